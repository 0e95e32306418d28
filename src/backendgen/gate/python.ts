import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { variables } from '../../platform/config.ts';
import { OrbitError, ValidationError } from '../../platform/errors.ts';
import { runSandboxed, type SandboxResult } from '../../platform/sandbox/index.ts';
import type { GateReport, GateStep } from '../targets/types.ts';
import { MYPY_SETTINGS, MYPY_WARM_IMPORTS, PYDANTIC_MYPY_SETTINGS, requirementsLock } from './python-lock.ts';

const run = promisify(execFile);

export interface PythonGateOptions {
  signal?: AbortSignal;
  onStep?: (step: GateStep) => void;
  /**
   * A PostgreSQL server (URL of a user who may CREATE DATABASE): the generated tests then run against a scratch
   * database made there for this gate and dropped after it. SQLite in memory otherwise.
   */
  databaseUrl?: string;
  /** Orbit's home (default: ORBIT_HOME); the shared environment lives under `<home>/cache/backendgen/python/`. */
  home?: string;
}

export interface PythonEnvironment {
  /** The virtual environment's directory. */
  dir: string;
  /** Host paths the sandbox must show read-only for the venv to work (the venv, the interpreter's prefix). */
  readOnly: string[];
  /** Whether this call ran pip (false: the environment was already there). */
  installed: boolean;
  durationMs: number;
  output: string;
}

const INSTALL_TIMEOUT_MS = 15 * 60_000;
const LOCK_STALE_MS = 20 * 60_000;
const COMPLETE_MARKER = '.orbit-complete';
const OUTPUT_KEPT = 30_000;

/** A requirement line we install: `name==version` (optionally with extras), nothing pip could read as an option. */
const PINNED = /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9_,-]+\])?==[A-Za-z0-9.+!_-]+$/;

let pipRuns = 0;
const inFlight = new Map<string, Promise<PythonEnvironment>>();

/** How many times this process has run `pip install` (tests show a second gate downloads nothing). */
export function pythonPipRuns(): number {
  return pipRuns;
}

/** The interpreter venvs are made from: Debian's /usr one when present, since the sandbox shows /usr. */
export function basePython(): string {
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

function interpreterVersion(python: string): string {
  const result = spawnSync(python, ['-c', 'import sys; print(sys.version.split()[0])'], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new OrbitError(
      'python-unavailable',
      503,
      `The quality gate needs Python 3.11+ (${python}): ${result.stderr || result.error?.message || 'not found'}. Install python3 and python3-venv.`,
    );
  }
  return result.stdout.trim();
}

/** The pinned packages of a lock file's text, refusing anything that is not `name==version`. */
export function parseLock(text: string): string[] {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const bad = lines.filter((l) => !PINNED.test(l));
  if (bad.length > 0) {
    throw new ValidationError(
      `requirements.lock may only pin packages (name==version); refused: ${bad.slice(0, 5).join(', ')}`,
      bad.slice(0, 20).map((l) => ({ pointer: '/requirements.lock', message: `not a pinned package: ${l}` })),
    );
  }
  return [...lines].sort();
}

export function pythonCacheRoot(home?: string): string {
  const orbitHome = home ?? variables.home.parse(process.env.ORBIT_HOME, process.env);
  return path.join(orbitHome, 'cache', 'backendgen', 'python');
}

/** Where the environment for these packages lives: one per hash of (packages, interpreter, platform). */
export function environmentDir(packages: string[], home?: string): string {
  const python = basePython();
  const key = [process.platform, process.arch, python, interpreterVersion(python), ...packages].join('\n');
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return path.join(pythonCacheRoot(home), hash);
}

function readOnlyPaths(dir: string): string[] {
  const paths = [dir];
  try {
    const python = fs.realpathSync(path.join(dir, 'bin', 'python3'));
    const prefix = path.dirname(path.dirname(python));
    const underUsr =
      prefix === '/usr' || prefix.startsWith('/usr/') || prefix.startsWith('/bin') || prefix.startsWith('/lib');
    if (!underUsr) paths.push(prefix);
  } catch {}
  return paths;
}

function tail(text: string, chars = OUTPUT_KEPT): string {
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Takes the cross-process install lock (a directory), waiting while another process installs. */
async function acquireLock(lockDir: string, signal?: AbortSignal): Promise<() => void> {
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      return () => fs.rmSync(lockDir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - fs.statSync(lockDir).mtimeMs > LOCK_STALE_MS)
          fs.rmSync(lockDir, { recursive: true, force: true });
      } catch {}
      if (signal?.aborted) throw new OrbitError('aborted', 499, 'The quality gate was cancelled');
      await sleep(500);
    }
  }
}

/** Where an environment keeps mypy's cache of the libraries (copied into each sandboxed mypy run). */
function warmCacheDir(dir: string): string {
  return path.join(dir, 'mypy-cache');
}

/**
 * Type-checks the libraries generated code imports, with the generated projects' mypy settings, into the
 * environment's warm cache: each gate's mypy then checks only the project (≈1 s instead of ≈6 s).
 */
async function warmMypyCache(dir: string, signal?: AbortSignal): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-mypy-warm-'));
  try {
    fs.writeFileSync(
      path.join(scratch, 'pyproject.toml'),
      [...MYPY_SETTINGS, 'files = ["warm.py"]', '', ...PYDANTIC_MYPY_SETTINGS, ''].join('\n'),
    );
    fs.writeFileSync(
      path.join(scratch, 'warm.py'),
      `"""Imports to type-check once."""\n\n${MYPY_WARM_IMPORTS.join('\n')}\n`,
    );
    const cache = `${warmCacheDir(dir)}.tmp`;
    fs.rmSync(cache, { recursive: true, force: true });
    await run(path.join(dir, 'bin', 'mypy'), ['--cache-dir', cache, '--no-color-output'], {
      cwd: scratch,
      timeout: INSTALL_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch },
      ...(signal ? { signal } : {}),
    });
    fs.renameSync(cache, warmCacheDir(dir));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function install(dir: string, packages: string[], signal?: AbortSignal): Promise<PythonEnvironment> {
  const started = performance.now();
  const ready = () => fs.existsSync(path.join(dir, COMPLETE_MARKER)) && fs.existsSync(warmCacheDir(dir));
  if (ready()) {
    return { dir, readOnly: readOnlyPaths(dir), installed: false, durationMs: 0, output: `reused ${dir}` };
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const release = await acquireLock(`${dir}.lock`, signal);
  try {
    if (ready()) {
      return { dir, readOnly: readOnlyPaths(dir), installed: false, durationMs: 0, output: `reused ${dir}` };
    }
    if (fs.existsSync(path.join(dir, COMPLETE_MARKER))) {
      // Installed by an Orbit that did not warm mypy's cache yet: no download, only the cache.
      await warmMypyCache(dir, signal);
      return { dir, readOnly: readOnlyPaths(dir), installed: false, durationMs: 0, output: `reused ${dir}` };
    }
    fs.rmSync(dir, { recursive: true, force: true });
    const options = { timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, ...(signal ? { signal } : {}) };
    await run(basePython(), ['-m', 'venv', dir], options);
    const lockFile = path.join(dir, 'requirements.lock');
    fs.writeFileSync(lockFile, `${packages.join('\n')}\n`);
    pipRuns++;
    // Wheels only: installing never runs a package's build code; --no-deps: exactly the locked set.
    const pip = await run(
      path.join(dir, 'bin', 'pip'),
      [
        'install',
        '--disable-pip-version-check',
        '--no-input',
        '--quiet',
        '--only-binary=:all:',
        '--no-deps',
        '-r',
        lockFile,
      ],
      options,
    );
    await warmMypyCache(dir, signal);
    fs.writeFileSync(path.join(dir, COMPLETE_MARKER), `${packages.length} packages\n`);
    return {
      dir,
      readOnly: readOnlyPaths(dir),
      installed: true,
      durationMs: Math.round(performance.now() - started),
      output: tail(`${pip.stdout}${pip.stderr}`.trim() || `installed ${packages.length} packages into ${dir}`),
    };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    const e = err as Error & { stderr?: string };
    throw new OrbitError(
      'python-install-failed',
      502,
      `Installing the generated project's Python dependencies failed: ${tail(`${e.message}\n${e.stderr ?? ''}`, 3000)}`,
    );
  } finally {
    release();
  }
}

/**
 * The shared virtual environment for a lock file's packages: installed once (pip, wheels only, network), then
 * reused by every later gate with the same lock, without running pip again.
 */
export async function ensurePythonEnvironment(
  lockText: string,
  options: { home?: string; signal?: AbortSignal } = {},
): Promise<PythonEnvironment> {
  const packages = parseLock(lockText);
  const dir = environmentDir(packages, options.home);
  let pending = inFlight.get(dir);
  if (!pending) {
    pending = install(dir, packages, options.signal).finally(() => inFlight.delete(dir));
    inFlight.set(dir, pending);
  }
  return pending;
}

/** The environment for the lock Orbit generates (for CI's prefetch). */
export function prefetchPythonEnvironment(options: { home?: string } = {}): Promise<PythonEnvironment> {
  return ensurePythonEnvironment(requirementsLock(), options);
}

/**
 * The sandbox has no network, so PostgreSQL is reached through a Unix socket that Orbit relays to the server's TCP
 * address (password authentication works as over TCP; a server's own socket would ask for peer authentication,
 * which the sandbox's user cannot pass). Only this one socket crosses the sandbox's boundary.
 */
export interface PostgresRelay {
  /** The database URL to give the tests (psycopg 3 through the relay's socket). */
  url: string;
  /** The directory holding the socket (bound into the sandbox). */
  socketDir: string;
  close(): Promise<void>;
}

export async function startPostgresRelay(databaseUrl: string): Promise<PostgresRelay> {
  const parsed = new URL(databaseUrl);
  if (!/^postgres(ql)?(\+psycopg)?:$/.test(parsed.protocol)) {
    throw new ValidationError(`Not a PostgreSQL URL: ${parsed.protocol}`, [
      { pointer: '/databaseUrl', message: 'must be a postgres:// or postgresql:// URL' },
    ]);
  }
  const host = parsed.hostname || '127.0.0.1';
  const port = Number(parsed.port || '5432');
  const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-pg-'));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    sockets.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path.join(socketDir, `.s.PGSQL.${port}`), () => resolve());
  });
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres';
  const auth = `${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}@`;
  const query = new URLSearchParams({ host: socketDir, port: String(port) });
  return {
    url: `postgresql+psycopg://${auth}/${encodeURIComponent(database)}?${query}`,
    socketDir,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

/** A fresh database on the server of `serverUrl`, so the generated tests (which empty their database) touch nothing else. */
export async function createScratchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `orbit_gate_${randomBytes(8).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

interface Tool {
  name: string;
  args: (venv: string) => string[];
  timeoutMs: number;
  counts: (output: string, exitCode: number | null) => Record<string, number>;
  ok: (counts: Record<string, number>, exitCode: number | null) => boolean;
}

function num(output: string, pattern: RegExp): number {
  const m = pattern.exec(output);
  return m ? Number(m[1]) : 0;
}

/** The counts of a pytest run from its summary line (`3 passed, 1 failed in 0.52s`). */
export function pytestCounts(output: string): Record<string, number> {
  const summary = output
    .split('\n')
    .filter((l) => /\d+ (passed|failed|error|errors|skipped)\b/.test(l) && / in [\d.]+s/.test(l))
    .at(-1);
  const line = summary ?? '';
  return {
    passed: num(line, /(\d+) passed/),
    failed: num(line, /(\d+) failed/),
    errors: num(line, /(\d+) errors?\b/),
    skipped: num(line, /(\d+) skipped/),
  };
}

const TOOLS: Tool[] = [
  {
    name: 'ruff check',
    args: (venv) => [path.join(venv, 'bin', 'ruff'), 'check', '--no-cache', '--output-format', 'concise', '.'],
    timeoutMs: 120_000,
    counts: (output) => ({ issues: output.split('\n').filter((l) => /^[^:\s][^:]*:\d+:\d+: /.test(l)).length }),
    ok: (counts, exit) => exit === 0 && counts.issues === 0,
  },
  {
    name: 'ruff format',
    args: (venv) => [path.join(venv, 'bin', 'ruff'), 'format', '--check', '--no-cache', '.'],
    timeoutMs: 120_000,
    // ruff 0.17 reports each file as a diagnostic, then "N file(s) would be reformatted".
    counts: (output) => ({ files: num(output, /(\d+) files? would be reformatted/) }),
    ok: (counts, exit) => exit === 0 && counts.files === 0,
  },
  {
    name: 'mypy --strict',
    // The environment's warm cache of the libraries is copied into the sandbox's private /tmp, then used there.
    args: (venv) => [
      '/bin/sh',
      '-c',
      'if [ -d "$1" ]; then cp -R "$1" /tmp/mypy-cache; fi; exec "$2" --strict --cache-dir /tmp/mypy-cache --no-color-output',
      'mypy',
      warmCacheDir(venv),
      path.join(venv, 'bin', 'mypy'),
    ],
    timeoutMs: 600_000,
    counts: (output) => ({ errors: num(output, /Found (\d+) errors?/) }),
    ok: (counts, exit) => exit === 0 && counts.errors === 0,
  },
  {
    name: 'pytest',
    args: (venv) => [path.join(venv, 'bin', 'python'), '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-rfE'],
    timeoutMs: 900_000,
    counts: (output) => pytestCounts(output),
    ok: (counts, exit) => exit === 0 && (counts.passed ?? 0) > 0 && counts.failed === 0 && counts.errors === 0,
  },
];

/** The counts a gate step reports for a tool's output. */
export function toolCounts(toolName: string, output: string): Record<string, number> {
  const tool = TOOLS.find((t) => t.name === toolName);
  if (!tool) throw new Error(`unknown tool ${toolName}`);
  return tool.counts(output, null);
}

export interface SandboxStepOptions {
  env: PythonEnvironment;
  /** PostgreSQL for the tests, through a relay (see startPostgresRelay). */
  postgres?: PostgresRelay;
  signal?: AbortSignal;
}

/** Runs a command of the venv on the project in the sandbox: no network, the venv read-only, the project writable. */
export async function runInPythonSandbox(
  projectDir: string,
  argv: string[],
  options: SandboxStepOptions & { timeoutMs: number },
): Promise<SandboxResult> {
  const venv = options.env.dir;
  const env: Record<string, string> = {
    PATH: `${path.join(venv, 'bin')}:/usr/local/bin:/usr/bin:/bin`,
    VIRTUAL_ENV: venv,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONHASHSEED: '0',
    HOME: '/tmp',
  };
  const writable: string[] = [];
  if (options.postgres) {
    env.TEST_DATABASE_URL = options.postgres.url;
    // Connecting to a Unix socket needs write access to it.
    writable.push(options.postgres.socketDir);
  }
  return runSandboxed({
    command: argv[0] as string,
    args: argv.slice(1),
    cwd: projectDir,
    workspace: projectDir,
    readOnly: options.env.readOnly,
    writable,
    env,
    timeoutMs: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** Runs one tool of the gate on the project in the sandbox (no network, the venv read-only). */
export async function runPythonTool(
  projectDir: string,
  toolName: 'ruff check' | 'ruff format' | 'mypy --strict' | 'pytest',
  options: SandboxStepOptions,
  extraArgs: string[] = [],
): Promise<GateStep> {
  const tool = TOOLS.find((t) => t.name === toolName);
  if (!tool) throw new Error(`unknown tool ${toolName}`);
  const venv = options.env.dir;
  const argv = [...tool.args(venv), ...extraArgs];
  const result = await runInPythonSandbox(projectDir, argv, { ...options, timeoutMs: tool.timeoutMs });
  const output = tail(`${result.stdout}${result.stderr ? `\n${result.stderr}` : ''}`.trim());
  const counts = tool.counts(output, result.exitCode);
  const killed = result.killedReason ? `\n[stopped by the sandbox: ${result.killedReason}]` : '';
  return {
    name: tool.name,
    command:
      tool.name === 'mypy --strict'
        ? "mypy --strict --cache-dir /tmp/mypy-cache (starting from the environment's warm cache)"
        : argv.map((a) => a.replace(`${venv}/bin/`, '')).join(' '),
    ok: result.killedReason === undefined && tool.ok(counts, result.exitCode),
    durationMs: result.durationMs,
    output: `${output}${killed}`,
    counts,
  };
}

/**
 * The quality gate of a generated FastAPI project: installs its locked dependencies into the shared environment
 * (once per lock), then runs ruff check, ruff format --check, mypy --strict and pytest in the sandbox.
 * Every step runs even after a failure, so the report shows everything at once.
 */
export async function gatePython(projectDir: string, options: PythonGateOptions = {}): Promise<GateReport> {
  const started = performance.now();
  const steps: GateStep[] = [];
  const record = (step: GateStep) => {
    steps.push(step);
    options.onStep?.(step);
  };
  const dir = fs.realpathSync(projectDir);
  const lockPath = path.join(dir, 'requirements.lock');
  let env: PythonEnvironment;
  try {
    const lockText = fs.readFileSync(lockPath, 'utf8');
    env = await ensurePythonEnvironment(lockText, {
      ...(options.home ? { home: options.home } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    record({
      name: 'dependencies',
      command: env.installed ? `pip install --only-binary=:all: --no-deps -r requirements.lock` : 'reuse shared venv',
      ok: true,
      durationMs: env.durationMs,
      output: env.output,
      counts: { pipInstalls: env.installed ? 1 : 0 },
    });
  } catch (err) {
    record({
      name: 'dependencies',
      command: 'pip install --only-binary=:all: --no-deps -r requirements.lock',
      ok: false,
      durationMs: Math.round(performance.now() - started),
      output: (err as Error).message,
      counts: { pipInstalls: 0 },
    });
    return { target: 'fastapi', ok: false, steps, durationMs: Math.round(performance.now() - started) };
  }
  const scratch = options.databaseUrl ? await createScratchDatabase(options.databaseUrl) : undefined;
  const postgres = scratch ? await startPostgresRelay(scratch.url) : undefined;
  try {
    for (const tool of TOOLS) {
      if (options.signal?.aborted) break;
      const stepOptions: SandboxStepOptions = { env };
      if (options.signal) stepOptions.signal = options.signal;
      if (tool.name === 'pytest' && postgres) stepOptions.postgres = postgres;
      record(await runPythonTool(dir, tool.name as 'pytest', stepOptions));
    }
  } finally {
    await postgres?.close();
    await scratch?.drop();
  }
  const ok = steps.length === TOOLS.length + 1 && steps.every((s) => s.ok);
  return { target: 'fastapi', ok, steps, durationMs: Math.round(performance.now() - started) };
}
