import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ValidationError } from '../../platform/errors.ts';
import {
  type InstallRoute,
  installCommand,
  type ToolDescriptor,
  type ToolEnvironment,
  venvOf,
} from '../tools/descriptor.ts';
import { findTool, TOOLS } from '../tools/index.ts';
import { toolEnvironment } from './environment.ts';
import { toolState } from './status.ts';

const run = promisify(execFile);

/** Exact versions of the tools' Python dependencies too, so every machine gets the same venv. */
export const PYTHON_CONSTRAINTS = fileURLToPath(new URL('./python-constraints.txt', import.meta.url));

/** The constraints of an isolated venv: `<venv>-constraints.txt` beside the shared one. */
function constraintsOf(venv: string | undefined): string {
  return venv ? fileURLToPath(new URL(`./${venv}-constraints.txt`, import.meta.url)) : PYTHON_CONSTRAINTS;
}

const INSTALL_TIMEOUT_MS = 15 * 60_000;

export type InstallPhase = 'present' | 'installing' | 'installed' | 'failed';

export interface InstallProgress {
  tool: string;
  phase: InstallPhase;
  command: string;
  version?: string;
  /** Why it failed (the installer's error output, shortened). */
  detail?: string;
}

export interface InstallOptions {
  env?: ToolEnvironment;
  onProgress?: (event: InstallProgress) => void;
}

/** The tools named (all when empty), or a ValidationError listing the unknown names and the known ones. */
export function resolveTools(names: readonly string[]): ToolDescriptor[] {
  if (names.length === 0) return [...TOOLS];
  const unknown = names.filter((n) => !findTool(n));
  if (unknown.length > 0) {
    const known = TOOLS.map((t) => t.name).join(', ');
    throw new ValidationError(
      `Unknown tool(s): ${unknown.join(', ')}. Known tools: ${known}`,
      unknown.map((name) => ({ pointer: `/tools/${names.indexOf(name)}`, message: `unknown tool "${name}"` })),
    );
  }
  return [...new Set(names)].map((n) => findTool(n) as ToolDescriptor);
}

function tail(text: string, chars = 1500): string {
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}

async function exec(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  try {
    await run(command, args, { ...options, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(tail(`${e.message}\n${e.stderr ?? ''}`.trim()));
  }
}

/** The interpreter the venv is made from: Debian's /usr one when present, since the sandbox shows /usr only. */
function basePython(): string {
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

async function ensureVenv(venv: string): Promise<void> {
  if (fs.existsSync(path.join(venv, 'bin', 'pip'))) return;
  fs.mkdirSync(path.dirname(venv), { recursive: true });
  await exec(basePython(), ['-m', 'venv', venv]);
}

async function pipInstall(routes: InstallRoute[], env: ToolEnvironment): Promise<void> {
  const byVenv = new Map<string | undefined, string[]>();
  for (const r of routes) {
    if (r.kind !== 'pip') continue;
    byVenv.set(r.venv, [...(byVenv.get(r.venv) ?? []), `${r.package}==${r.version}`]);
  }
  for (const [name, specs] of byVenv) {
    const venv = venvOf({ venv: name }, env);
    await ensureVenv(venv);
    await exec(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '-c', constraintsOf(name), ...specs]);
  }
}

/** One installer call per route kind: pip and npm take every package at once. */
async function installRoute(kind: InstallRoute['kind'], routes: InstallRoute[], env: ToolEnvironment): Promise<void> {
  switch (kind) {
    case 'pip':
      await pipInstall(routes, env);
      return;
    case 'npm': {
      const specs = routes.flatMap((r) => (r.kind === 'npm' ? [`${r.package}@${r.version}`] : []));
      // A prefix of its own: installing never touches Orbit's package.json or node_modules.
      fs.mkdirSync(env.nodeDir, { recursive: true });
      await exec('npm', ['install', '--prefix', env.nodeDir, '--save-exact', '--no-audit', '--no-fund', ...specs]);
      return;
    }
    case 'apt': {
      const packages = routes.flatMap((r) => (r.kind === 'apt' ? [r.package] : []));
      if (process.getuid?.() !== 0) {
        throw new Error(`apt packages need root: run \`sudo apt-get install -y ${packages.join(' ')}\``);
      }
      await exec('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
      return;
    }
    case 'go':
      for (const r of routes) {
        if (r.kind !== 'go') continue;
        fs.mkdirSync(env.goBinDir, { recursive: true });
        await exec('go', ['install', `${r.module}@${r.version}`], { env: { ...process.env, GOBIN: env.goBinDir } });
      }
      return;
  }
}

/**
 * Installs the named tools (all when empty) that are missing, through the first route of each descriptor, and
 * returns each tool's final state. Tools already present are left as they are.
 */
export async function installTools(names: readonly string[], options: InstallOptions = {}): Promise<InstallProgress[]> {
  const env = options.env ?? toolEnvironment();
  const report = (event: InstallProgress) => {
    options.onProgress?.(event);
    return event;
  };
  const outcomes = new Map<string, InstallProgress>();
  const missing = new Map<InstallRoute['kind'], ToolDescriptor[]>();
  for (const tool of resolveTools(names)) {
    const route = tool.install[0];
    if (!route) {
      outcomes.set(tool.name, report({ tool: tool.name, phase: 'failed', command: '', detail: 'no install route' }));
      continue;
    }
    const state = await toolState(tool, env);
    const command = installCommand(route, env);
    if (state.installed) {
      outcomes.set(tool.name, report({ tool: tool.name, phase: 'present', command, version: state.version }));
      continue;
    }
    missing.set(route.kind, [...(missing.get(route.kind) ?? []), tool]);
  }
  for (const [kind, tools] of missing) {
    for (const t of tools) {
      report({ tool: t.name, phase: 'installing', command: installCommand(t.install[0] as InstallRoute, env) });
    }
    let failure: string | undefined;
    try {
      await installRoute(
        kind,
        tools.map((t) => t.install[0] as InstallRoute),
        env,
      );
    } catch (err) {
      failure = (err as Error).message;
    }
    for (const t of tools) {
      const command = installCommand(t.install[0] as InstallRoute, env);
      const state = await toolState(t, env);
      outcomes.set(
        t.name,
        report(
          state.installed
            ? { tool: t.name, phase: 'installed', command, version: state.version }
            : { tool: t.name, phase: 'failed', command, detail: failure ?? state.problem ?? 'not found after install' },
        ),
      );
    }
  }
  return resolveTools(names).map((t) => outcomes.get(t.name) as InstallProgress);
}
