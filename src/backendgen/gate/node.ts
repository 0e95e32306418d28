/**
 * Quality gate of a generated Node project: its pinned dependencies are installed once into a shared cache
 * (`$ORBIT_HOME/cache/backendgen/node/<hash>/node_modules`, keyed by the exact dependency set) and linked into the
 * project; then `tsc --noEmit`, ESLint and vitest run in the platform sandbox without network.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { variables } from '../../platform/config.ts';
import { OrbitError } from '../../platform/errors.ts';
import { runSandboxed, sandboxAvailable } from '../../platform/sandbox/index.ts';
import type { GateReport, GateStep } from '../targets/fastify/contract.ts';

export interface NodeDependencySet {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

export interface NodeGateOptions {
  signal?: AbortSignal;
  onStep?: (step: GateStep) => void;
  /** Orbit's home (default: ORBIT_HOME); the cache lives under `<home>/cache/backendgen/node`. */
  home?: string;
}

/** Marker written last into a finished install, so a half-written cache entry is never used. */
const COMPLETE = '.orbit-complete';
const STEP_TIMEOUT_MS = { install: 600_000, typecheck: 300_000, lint: 300_000, test: 600_000 };

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The cache key: the exact dependency set, this platform (native optional packages) and Node's major version. */
export function dependencyHash(deps: NodeDependencySet): string {
  const key = JSON.stringify({
    dependencies: sorted(deps.dependencies),
    devDependencies: sorted(deps.devDependencies),
    platform: `${process.platform}-${process.arch}`,
    node: process.versions.node.split('.')[0],
  });
  return createHash('sha256').update(key).digest('hex').slice(0, 24);
}

export function nodeCacheRoot(home?: string): string {
  const h = home ?? variables.home.parse(process.env.ORBIT_HOME, process.env);
  return path.join(h, 'cache', 'backendgen', 'node');
}

function readDependencySet(projectDir: string): NodeDependencySet {
  const file = path.join(projectDir, 'package.json');
  let pkg: { dependencies?: unknown; devDependencies?: unknown };
  try {
    pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof pkg;
  } catch (error) {
    throw new OrbitError('gate-project-invalid', 422, `Cannot read ${file}: ${(error as Error).message}`);
  }
  const record = (value: unknown, field: string): Record<string, string> => {
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null) {
      throw new OrbitError('gate-project-invalid', 422, `package.json ${field} must be an object`);
    }
    const out: Record<string, string> = {};
    for (const [name, version] of Object.entries(value)) {
      // Only exact versions: a range would make the cache key lie about what is installed.
      if (typeof version !== 'string' || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
        throw new OrbitError('gate-project-invalid', 422, `package.json ${field}.${name} must be an exact version`);
      }
      out[name] = version;
    }
    return out;
  };
  return {
    dependencies: record(pkg.dependencies, 'dependencies'),
    devDependencies: record(pkg.devDependencies, 'devDependencies'),
  };
}

function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Variables npm sets for a running script (Orbit's own `npm test`) would describe Orbit's package, not this one.
    if (/^npm_(package|lifecycle)_/.test(k) || k === 'INIT_CWD' || k === 'npm_command') continue;
    env[k] = v;
  }
  return env;
}

function runNpmInstall(cwd: string, signal?: AbortSignal): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
      cwd,
      env: npmEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(signal ? { signal } : {}),
      timeout: STEP_TIMEOUT_MS.install,
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-64_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (error) => {
      if (signal?.aborted) resolve({ code: null, output: `${output}\naborted` });
      else reject(new OrbitError('gate-npm-missing', 503, `Could not run npm: ${error.message}`));
    });
    child.once('close', (code) => resolve({ code, output }));
  });
}

export interface EnsuredDependencies {
  /** The cache entry; its node_modules is what projects link to. */
  dir: string;
  /** True when this call ran npm install; false when the cache already held the set. */
  downloaded: boolean;
  output: string;
  durationMs: number;
}

/**
 * Makes sure the dependency set is installed in the shared cache: a finished entry is reused as is (no npm, no
 * network); otherwise npm installs into a private temporary directory that is renamed into place when complete, so
 * concurrent gates never see a half-installed tree.
 */
export async function ensureNodeDependencies(
  deps: NodeDependencySet,
  options: { home?: string; signal?: AbortSignal } = {},
): Promise<EnsuredDependencies> {
  const started = performance.now();
  const root = nodeCacheRoot(options.home);
  const dir = path.join(root, dependencyHash(deps));
  const done = () => Math.round(performance.now() - started);
  if (fs.existsSync(path.join(dir, 'node_modules', COMPLETE))) {
    return { dir, downloaded: false, output: `reused ${dir}`, durationMs: done() };
  }
  fs.mkdirSync(root, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  fs.mkdirSync(tmp);
  try {
    const pkg = { name: 'orbit-backendgen-deps', private: true, type: 'module', ...sorted2(deps) };
    fs.writeFileSync(path.join(tmp, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    const result = await runNpmInstall(tmp, options.signal);
    if (result.code !== 0) {
      throw new OrbitError(
        'gate-install-failed',
        502,
        `npm install failed (exit ${result.code}): ${result.output.trim()}`,
      );
    }
    fs.writeFileSync(path.join(tmp, 'node_modules', COMPLETE), `${JSON.stringify(deps)}\n`);
    try {
      fs.renameSync(tmp, dir);
    } catch {
      // Another gate finished the same set first (or left a broken entry): use a complete one, else replace it.
      if (!fs.existsSync(path.join(dir, 'node_modules', COMPLETE))) {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.renameSync(tmp, dir);
      }
    }
    return { dir, downloaded: true, output: result.output.trim(), durationMs: done() };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function sorted2(deps: NodeDependencySet): NodeDependencySet {
  return { dependencies: sorted(deps.dependencies), devDependencies: sorted(deps.devDependencies) };
}

/** Points `<project>/node_modules` at the cache entry (replacing an earlier link; a real directory is an error). */
function linkNodeModules(projectDir: string, cacheDir: string): void {
  const link = path.join(projectDir, 'node_modules');
  const target = path.join(cacheDir, 'node_modules');
  try {
    const stat = fs.lstatSync(link);
    if (!stat.isSymbolicLink()) {
      throw new OrbitError(
        'gate-project-invalid',
        422,
        `${link} exists and is not a link to Orbit's dependency cache; remove it to run the gate`,
      );
    }
    fs.unlinkSync(link);
  } catch (error) {
    if (error instanceof OrbitError) throw error;
  }
  fs.symlinkSync(target, link, 'dir');
}

function nodeRuntimePaths(): string[] {
  const node = fs.realpathSync(process.execPath);
  const prefix = path.dirname(path.dirname(node));
  return /^\/(usr|bin|lib)(\/|$)/.test(node) ? [] : [prefix];
}

function tail(text: string, max = 20_000): string {
  return text.length <= max ? text : `…${text.slice(-max)}`;
}

/** `error TS2322: …` lines of tsc. */
export function countTypeErrors(output: string): number {
  return (output.match(/error TS\d+:/g) ?? []).length;
}

/** ESLint's stylish summary: `✖ 3 problems (2 errors, 1 warning)`; no summary means no problems. */
export function countLintProblems(output: string): { problems: number; errors: number; warnings: number } {
  const m = /(\d+) problems? \((\d+) errors?, (\d+) warnings?\)/.exec(output);
  if (!m) return { problems: 0, errors: 0, warnings: 0 };
  return { problems: Number(m[1]), errors: Number(m[2]), warnings: Number(m[3]) };
}

/** vitest's summary lines: `Test Files  1 failed | 3 passed (4)` and `Tests  2 failed | 40 passed | 1 skipped (43)`. */
export function countTests(output: string): {
  passed: number;
  failed: number;
  skipped: number;
  total: number;
  files: number;
} {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  const line = /^\s*Tests\s+(.+?)\s*\((\d+)\)\s*$/m.exec(plain);
  const files = /^\s*Test Files\s+.+?\((\d+)\)\s*$/m.exec(plain);
  const part = (name: string) => Number(new RegExp(`(\\d+) ${name}`).exec(line?.[1] ?? '')?.[1] ?? 0);
  return {
    passed: part('passed'),
    failed: part('failed'),
    skipped: part('skipped') + part('todo'),
    total: Number(line?.[2] ?? 0),
    files: Number(files?.[1] ?? 0),
  };
}

/**
 * With a memory cgroup the limit is real memory: 4 GiB for the whole step. Without one the sandbox can only cap each
 * process's address space, and PGlite's WebAssembly memory alone reserves about 10 GiB of it (measured: PGlite
 * does not start under 8 GiB, does under 12 GiB), so the cap is then 32 GiB of address space.
 */
async function memoryLimit(): Promise<number> {
  const availability = await sandboxAvailable();
  return availability.limits === 'rlimit' ? 32 * 1024 ** 3 : 4 * 1024 ** 3;
}

async function sandboxStep(
  name: string,
  projectDir: string,
  cacheDir: string,
  argv: string[],
  timeoutMs: number,
  signal: AbortSignal | undefined,
  extraEnv: Record<string, string> = {},
): Promise<{ ok: boolean; output: string; durationMs: number; command: string }> {
  const node = fs.realpathSync(process.execPath);
  const result = await runSandboxed({
    command: node,
    args: argv,
    cwd: projectDir,
    workspace: projectDir,
    readOnly: [cacheDir, ...nodeRuntimePaths()],
    env: { CI: '1', NO_COLOR: '1', FORCE_COLOR: '0', NODE_OPTIONS: '--max-old-space-size=2048', ...extraEnv },
    network: false,
    timeoutMs,
    memoryBytes: await memoryLimit(),
    ...(signal ? { signal } : {}),
  });
  const killed = result.killedReason ? `\n[${name} stopped: ${result.killedReason}]` : '';
  return {
    ok: result.exitCode === 0 && result.killedReason === undefined,
    output: tail(`${result.stdout}${result.stderr ? `\n${result.stderr}` : ''}`.trim() + killed),
    durationMs: result.durationMs,
    command: ['node', ...argv].join(' '),
  };
}

/**
 * Runs only the project's vitest tests (optionally some files) in the sandbox, on the cached dependencies: what a
 * mutation-testing run needs after changing one generated file.
 */
export async function runNodeTests(
  projectDir: string,
  options: { files?: string[]; home?: string; signal?: AbortSignal } = {},
): Promise<GateStep> {
  const dir = fs.realpathSync(projectDir);
  const ensured = await ensureNodeDependencies(readDependencySet(dir), {
    ...(options.home ? { home: options.home } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  linkNodeModules(dir, ensured.dir);
  const test = await sandboxStep(
    'test',
    dir,
    ensured.dir,
    [
      'node_modules/vitest/vitest.mjs',
      'run',
      '--reporter=default',
      '--configLoader',
      'runner',
      ...(options.files ?? []),
    ],
    STEP_TIMEOUT_MS.test,
    options.signal,
  );
  const t = countTests(test.output);
  return {
    name: 'test',
    ...test,
    ok: test.ok && t.failed === 0 && t.passed > 0,
    counts: {
      testsPassed: t.passed,
      testsFailed: t.failed,
      testsSkipped: t.skipped,
      tests: t.total,
      testFiles: t.files,
    },
  };
}

/** Runs the whole gate; the report says which step failed and why. Throws only for a project that cannot be read. */
export async function nodeGate(projectDir: string, options: NodeGateOptions = {}): Promise<GateReport> {
  const started = performance.now();
  const dir = fs.realpathSync(projectDir);
  const steps: GateStep[] = [];
  const record = (step: GateStep) => {
    steps.push(step);
    options.onStep?.(step);
  };
  const report = (): GateReport => ({
    target: 'fastify',
    ok: steps.length > 0 && steps.every((s) => s.ok),
    steps,
    durationMs: Math.round(performance.now() - started),
  });

  const deps = readDependencySet(dir);
  let ensured: EnsuredDependencies;
  try {
    ensured = await ensureNodeDependencies(deps, {
      ...(options.home ? { home: options.home } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    record({
      name: 'install',
      command: 'npm install (shared cache)',
      ok: false,
      durationMs: Math.round(performance.now() - started),
      output: (error as Error).message,
    });
    return report();
  }
  linkNodeModules(dir, ensured.dir);
  const packages = fs.readdirSync(path.join(ensured.dir, 'node_modules')).filter((n) => !n.startsWith('.')).length;
  record({
    name: 'install',
    command: ensured.downloaded ? `npm install (into ${ensured.dir})` : `reuse ${ensured.dir}`,
    ok: true,
    durationMs: ensured.durationMs,
    output: ensured.output,
    counts: { downloaded: ensured.downloaded ? 1 : 0, packages },
  });

  // The type check and the linter are single-threaded: on a machine with two cores they run side by side.
  const [tsc, lint] = await Promise.all([
    sandboxStep(
      'typecheck',
      dir,
      ensured.dir,
      ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.json', '--pretty', 'false'],
      STEP_TIMEOUT_MS.typecheck,
      options.signal,
    ),
    sandboxStep(
      'lint',
      dir,
      ensured.dir,
      ['node_modules/eslint/bin/eslint.js', '.', '--max-warnings', '0'],
      STEP_TIMEOUT_MS.lint,
      options.signal,
    ),
  ]);
  record({ name: 'typecheck', ...tsc, counts: { typeErrors: countTypeErrors(tsc.output) } });
  const lintCounts = countLintProblems(lint.output);
  record({
    name: 'lint',
    ...lint,
    counts: { lintProblems: lintCounts.problems, lintErrors: lintCounts.errors, lintWarnings: lintCounts.warnings },
  });

  record(
    await runNodeTests(dir, {
      ...(options.home ? { home: options.home } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    }),
  );
  return report();
}
