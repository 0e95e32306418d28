import fs from 'node:fs';
import path from 'node:path';

/** A repository's own virtual environment: where its dependencies are installed. */
export interface RepoPythonEnv {
  /** The environment's interpreter (what `mypy --python-executable` asks for its search path). */
  python: string;
  sitePackages: string;
  /** The installation the venv's interpreter links to (outside the repository): the sandbox must show it. */
  base: string;
}

const CANDIDATES = ['.venv', 'venv', 'env', '.env'];

/**
 * The repository's own virtual environment when it has one at its root (`.venv`, `venv`, …, recognised by
 * `pyvenv.cfg`), so linters that check imports resolve them against the project's real dependencies instead of
 * reporting every third-party import as missing.
 */
export function findRepoPythonEnv(repoRoot: string): RepoPythonEnv | undefined {
  for (const name of CANDIDATES) {
    const dir = path.join(repoRoot, name);
    if (!fs.existsSync(path.join(dir, 'pyvenv.cfg'))) continue;
    const python = path.join(dir, 'bin', 'python');
    let versions: string[];
    try {
      versions = fs.readdirSync(path.join(dir, 'lib')).filter((v) => /^python3\.\d+$/.test(v));
    } catch {
      continue;
    }
    const sitePackages = versions.map((v) => path.join(dir, 'lib', v, 'site-packages')).find((p) => fs.existsSync(p));
    if (!sitePackages || !fs.existsSync(python)) continue;
    // bin/python -> …/bin/python3.11: the installation is two levels above the real interpreter. The link is the
    // repository's to choose, so only a genuine Python installation (its standard library present) is accepted.
    const real = fs.realpathSync(python);
    const base = path.dirname(path.dirname(real));
    const version = /^python(3\.\d+)$/.exec(path.basename(real))?.[1];
    if (!version || !fs.existsSync(path.join(base, 'lib', `python${version}`, 'os.py'))) continue;
    return { python, sitePackages, base };
  }
  return undefined;
}
