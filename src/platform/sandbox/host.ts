import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { type HostLayout, ROOT_DIRECTORIES, type RootEntry } from './bwrap-args.ts';
import { type CgroupBackend, probeCgroups } from './cgroup.ts';
import type { LimitsMode } from './types.ts';

const execFileAsync = promisify(execFile);

export const SOCAT_HINT = 'Install socat: `sudo apt-get install socat` (Debian/Ubuntu, Fedora, Arch: package socat).';

export const INSTALL_HINT =
  'Install bubblewrap: `sudo apt-get install bubblewrap` (Debian/Ubuntu), `sudo dnf install bubblewrap` (Fedora), `sudo pacman -S bubblewrap` (Arch).';

/** What this machine offers the sandbox, found once per process. */
export interface Host {
  bwrap: string;
  version: string;
  layout: HostLayout;
  mode: LimitsMode;
  cgroups: CgroupBackend | undefined;
}

function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return fs.realpathSync(candidate);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A program the sandbox can run itself: only /usr, /bin and /sbin of the host are mounted there. */
function visibleInSandbox(executable: string): boolean {
  return /^\/(usr|bin|sbin)\//.test(executable);
}

function rootEntries(): RootEntry[] {
  const entries: RootEntry[] = [];
  for (const dir of ROOT_DIRECTORIES) {
    try {
      const stat = fs.lstatSync(dir);
      if (stat.isSymbolicLink()) entries.push({ path: dir, symlinkTo: fs.readlinkSync(dir) });
      else if (stat.isDirectory()) entries.push({ path: dir });
    } catch {
      // absent on this distribution
    }
  }
  return entries;
}

async function detect(): Promise<Host | string> {
  if (process.platform !== 'linux') return `the sandbox needs Linux (bubblewrap); this is ${process.platform}`;
  const bwrap = findExecutable('bwrap');
  if (!bwrap) return `bubblewrap (bwrap) is not installed. ${INSTALL_HINT}`;
  const prlimit = findExecutable('prlimit');
  if (!prlimit) return 'prlimit (util-linux) is not installed: `sudo apt-get install util-linux`';
  if (!visibleInSandbox(prlimit))
    return `prlimit at ${prlimit} is outside /usr and /bin, so not visible in the sandbox`;
  let version: string;
  let help: string;
  try {
    version = (await execFileAsync(bwrap, ['--version'])).stdout.trim().replace(/^bubblewrap\s+/, '');
    const helpRun = await execFileAsync(bwrap, ['--help']).catch((e: { stdout?: string }) => ({
      stdout: e.stdout ?? '',
    }));
    help = helpRun.stdout;
  } catch (error) {
    return `${bwrap} does not run: ${(error as Error).message}`;
  }
  // Optional: only a step with a network allow-list needs it (as the bridge to Orbit's filtering proxy).
  const socat = findExecutable('socat');
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const cgroups = await probeCgroups();
  let mode: LimitsMode;
  if (typeof cgroups !== 'string') mode = cgroups.mode;
  else if (uid !== 0) mode = 'rlimit';
  else {
    return `Orbit runs as root and cannot create cgroups (${cgroups}); RLIMIT_NPROC does not bind root, so fork bombs could not be bounded. Run Orbit as an ordinary user, or give it a writable cgroup (pids and memory controllers).`;
  }
  return {
    bwrap,
    version,
    mode,
    cgroups: typeof cgroups === 'string' ? undefined : cgroups,
    layout: {
      rootEntries: rootEntries(),
      prlimit,
      // Root maps to an ordinary uid inside, so the command holds no capabilities in its user namespace.
      sandboxUid: uid === 0 ? 1000 : uid,
      sandboxGid: gid === 0 ? 1000 : gid,
      canDisableUserns: help.includes('--disable-userns'),
      canSizeTmpfs: help.includes('--size'),
      ...(socat && visibleInSandbox(socat) ? { socat } : {}),
    },
  };
}

let cached: Promise<Host | string> | undefined;

/** The host's sandbox set-up, or why there is none. */
export function getHost(): Promise<Host | string> {
  cached ??= detect();
  return cached;
}
