import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import { toolStatus } from '../../analysis/index.ts';
import { checkLlm } from '../../llm/index.ts';
import type { Config } from '../../platform/config.ts';
import { describeUrl, openDatabase } from '../../platform/db/client.ts';
import { SANDBOX_INSTALL_HINT, SOCAT_HINT, sandboxAvailable } from '../../platform/sandbox/index.ts';
import { action } from '../run.ts';

const run = promisify(execFile);

export type CheckStatus = 'ok' | 'missing' | 'broken' | 'info';

export interface DoctorCheck {
  part: string;
  status: CheckStatus;
  /** A broken required part makes `orbit doctor` exit non-zero. */
  required: boolean;
  detail: string;
  /** The exact command or setting that fixes it. */
  fix?: string;
}

async function versionOf(cmd: string, args: string[] = ['--version']): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run(cmd, args, { timeout: 10_000 });
    return (stdout || stderr).trim().split('\n')[0];
  } catch {
    return undefined;
  }
}

async function checkNode(): Promise<DoctorCheck> {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const ok = major > 20 || (major === 20 && minor >= 19);
  return {
    part: 'Node.js',
    status: ok ? 'ok' : 'broken',
    required: true,
    detail: `v${process.versions.node}${ok ? '' : ' (Orbit needs 20.19 or newer)'}`,
    ...(ok ? {} : { fix: 'Install Node.js 20.19+ (e.g. apt-get install nodejs from NodeSource, or nvm install 20)' }),
  };
}

async function checkDatabase(config: Config): Promise<DoctorCheck> {
  if (config.databaseUrl) {
    const where = describeUrl(config.databaseUrl);
    try {
      const db = await openDatabase({ url: config.databaseUrl, poolSize: 1 });
      const p = await db.ping();
      await db.close();
      return {
        part: 'Database',
        status: 'ok',
        required: true,
        detail: `PostgreSQL at ${where}: ${p.version.split(',')[0]}`,
      };
    } catch (err) {
      return {
        part: 'Database',
        status: 'broken',
        required: true,
        detail: (err as Error).message,
        fix: 'Start PostgreSQL (e.g. `pg_ctlcluster 15 main start`) or fix DATABASE_URL; unset it to use the embedded database',
      };
    }
  }
  const dir = path.join(config.home, 'db');
  const lock = `${dir}.lock`;
  if (fs.existsSync(lock)) {
    const pid = Number(fs.readFileSync(lock, 'utf8'));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {}
    if (alive) {
      return {
        part: 'Database',
        status: 'ok',
        required: true,
        detail: `embedded PGlite in ${dir}, open in process ${pid} (a running server)`,
      };
    }
  }
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    return {
      part: 'Database',
      status: 'ok',
      required: true,
      detail: `embedded PGlite in ${dir} (set DATABASE_URL for PostgreSQL)`,
    };
  } catch (err) {
    return {
      part: 'Database',
      status: 'broken',
      required: true,
      detail: `cannot write ${dir}: ${(err as Error).message}`,
      fix: 'Point ORBIT_HOME at a writable directory, e.g. ORBIT_HOME=$HOME/.orbit',
    };
  }
}

async function checkRedis(config: Config): Promise<DoctorCheck> {
  if (!config.redisUrl) {
    return {
      part: 'Redis',
      status: 'info',
      required: false,
      detail: 'not configured: rate limits are counted in memory (fine for one server)',
      fix: 'For several API nodes: apt-get install redis-server && export REDIS_URL=redis://localhost:6379',
    };
  }
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    const info = await redis.info('server');
    const v = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    return { part: 'Redis', status: 'ok', required: false, detail: `Redis ${v} at ${describeRedis(config.redisUrl)}` };
  } catch (err) {
    return {
      part: 'Redis',
      status: 'broken',
      required: false,
      detail: `REDIS_URL is set but ${describeRedis(config.redisUrl)} does not answer (${(err as Error).message}); the server would fall back to in-memory limits`,
      fix: 'Start it (`redis-server --daemonize yes`) or unset REDIS_URL',
    };
  } finally {
    redis.disconnect();
  }
}

function describeRedis(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return '(unparseable URL)';
  }
}

async function checkServer(config: Config): Promise<DoctorCheck> {
  try {
    const res = await fetch(`${config.serverUrl}/health/ready`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { status?: string };
    return {
      part: 'Orbit server',
      status: 'info',
      required: false,
      detail: `${config.serverUrl} answers: ${body.status ?? res.status}`,
    };
  } catch {
    return {
      part: 'Orbit server',
      status: 'info',
      required: false,
      detail: `nothing answers at ${config.serverUrl}`,
      fix: 'npm start (or orbit serve)',
    };
  }
}

async function checkTool(
  part: string,
  cmd: string,
  args: string[],
  fix: string,
  purpose: string,
): Promise<DoctorCheck> {
  const v = await versionOf(cmd, args);
  return v
    ? { part, status: 'ok', required: false, detail: v }
    : { part, status: 'missing', required: false, detail: `not found (${purpose})`, fix };
}

/**
 * socat, as the sandbox itself finds it (under /usr or /bin, where a step can run it): steps with a network
 * allow-list need it as the bridge to Orbit's filtering proxy.
 */
async function checkSocat(): Promise<DoctorCheck> {
  const s = await sandboxAvailable();
  if (!s.available) {
    return { part: 'socat', status: 'info', required: false, detail: 'not checked: the sandbox is unavailable' };
  }
  return s.networkBridge
    ? { part: 'socat', status: 'ok', required: false, detail: s.networkBridge }
    : {
        part: 'socat',
        status: 'missing',
        required: false,
        detail:
          "not found under /usr or /bin (agent runs with allowHosts reach their listed hosts through it; without it they can't start commands)",
        fix: SOCAT_HINT,
      };
}

/** Whether code from repositories and models can be isolated here (bubblewrap plus process and memory limits). */
async function checkSandbox(): Promise<DoctorCheck> {
  const s = await sandboxAvailable();
  return s.available
    ? {
        part: 'Sandbox',
        status: 'ok',
        required: false,
        detail: `${s.version ?? 'bubblewrap'}, limits by ${s.limits ?? '?'}`,
      }
    : {
        part: 'Sandbox',
        status: 'missing',
        required: false,
        detail: `${s.reason ?? 'not available'} (isolates analysis tools, generated tests and the agent's commands)`,
        fix: SANDBOX_INSTALL_HINT,
      };
}

/** Which provider and model are configured, and whether a one-token call to them succeeds. */
async function checkModel(config: Config): Promise<DoctorCheck> {
  const r = await checkLlm(config);
  if (!r.configured) {
    return {
      part: 'LLM provider',
      status: 'missing',
      required: false,
      detail: `not configured (the workflow generator and the agent need one): ${r.problem ?? ''}`.trim(),
      ...(r.fix ? { fix: r.fix } : {}),
    };
  }
  const where = `${r.provider}:${r.model} at ${r.endpoint}`;
  return r.ok
    ? {
        part: 'LLM provider',
        status: 'ok',
        required: false,
        detail: `${where}; a one-token call answered in ${Math.round(r.latencyMs ?? 0)} ms`,
      }
    : {
        part: 'LLM provider',
        status: 'broken',
        required: false,
        detail: `${where}: ${r.problem ?? 'the one-token call failed'}`,
        ...(r.fix ? { fix: r.fix } : {}),
      };
}

/** One line per analysis tool: its version, or the command that installs it. */
async function checkAnalysisTools(): Promise<DoctorCheck[]> {
  const states = await toolStatus();
  return states.map((t) =>
    t.installed && !t.problem
      ? {
          part: `tool ${t.name}`,
          status: 'ok',
          required: false,
          detail: `${t.title} ${t.version ?? '(version unknown)'}`,
        }
      : {
          part: `tool ${t.name}`,
          status: t.installed ? 'broken' : 'missing',
          required: false,
          detail: t.problem ?? `${t.title} is not installed (analyses list it as not run)`,
          fix: `orbit tools install ${t.name}   (${t.install})`,
        },
  );
}

export async function runDoctor(config: Config): Promise<DoctorCheck[]> {
  const [platform, tools] = await Promise.all([runPlatformChecks(config), checkAnalysisTools()]);
  return [...platform, ...tools];
}

function runPlatformChecks(config: Config): Promise<DoctorCheck[]> {
  return Promise.all([
    checkNode(),
    checkDatabase(config),
    checkRedis(config),
    checkServer(config),
    checkTool('git', 'git', ['--version'], 'apt-get install git', 'the agent and git-URL analyses need it'),
    checkTool(
      'Python',
      'python3',
      ['--version'],
      'apt-get install python3 python3-venv',
      'Python analysis tools and FastAPI projects need it',
    ),
    checkSandbox(),
    checkSocat(),
    checkTool('Chromium', 'chromium', ['--version'], 'apt-get install chromium', 'PDF reports and UI tests need it'),
    checkModel(config),
  ]);
}

const MARK: Record<CheckStatus, string> = { ok: '✓', missing: '✗', broken: '✗', info: '·' };

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('Check which parts Orbit can use on this machine, and how to add the missing ones.')
    .addHelpText(
      'after',
      `
Exits 1 only when a required part (Node.js, the database) is broken; missing optional parts are listed with the
command that installs or configures them.

Examples:
  $ orbit doctor
  $ DATABASE_URL=postgres://orbit@localhost/orbit orbit doctor --json`,
    )
    .action(
      action(async ({ out, config }) => {
        const checks = await runDoctor(config);
        const failed = checks.some((c) => c.required && c.status === 'broken');
        const width = Math.max(...checks.map((c) => c.part.length));
        const human = checks
          .map((c) => {
            const line = `${MARK[c.status]} ${c.part.padEnd(width)}  ${c.detail}`;
            return c.fix && c.status !== 'ok' ? `${line}\n  ${' '.repeat(width)}  → ${c.fix}` : line;
          })
          .join('\n');
        out.result(
          { ok: !failed, checks },
          `${human}\n\n${failed ? 'A required part is broken (see ✗ above).' : 'Orbit can run here.'}`,
        );
        return failed ? 1 : 0;
      }),
    );
}
