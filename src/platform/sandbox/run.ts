import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { OrbitError } from '../errors.ts';
import { bwrapArgs } from './bwrap-args.ts';
import type { StepCgroup } from './cgroup.ts';
import { getHost, type Host, SOCAT_HINT } from './host.ts';
import { describeRule, type NetworkProxy, startNetworkProxy } from './network.ts';
import { type NormalizedOptions, normalizeOptions } from './options.ts';
import { CappedBuffer } from './output.ts';
import type { KilledReason, SandboxOptions, SandboxResult } from './types.ts';

/** Joins the given cgroups, then becomes bwrap: every process of the step is in the groups from its first instruction. */
const JOIN_CGROUPS_SCRIPT =
  'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"';

/**
 * `setpriv --pdeathsig KILL` (util-linux, on every Debian) makes the kernel kill bwrap when the Orbit process that
 * started it dies, even by SIGKILL; bwrap's own --die-with-parent then takes the whole sandbox with it. Without it a
 * killed worker would leave its step running.
 */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));

/** bwrap's monitor and the namespace's init process also count against pids.max. */
const BWRAP_OWN_PROCESSES = 2;

const signalNames = new Map<number, string>(Object.entries(os.constants.signals).map(([name, n]) => [n, name]));

/**
 * bwrap reports a command killed by signal n as exit code 128+n (as shells do), so that is how it is read back.
 * A command that deliberately exits with such a code is reported as signalled: a rare and harmless confusion.
 */
function exitOf(
  code: number | null,
  signal: NodeJS.Signals | null,
): { exitCode: number | null; signal: string | null } {
  if (signal !== null) return { exitCode: null, signal };
  if (code !== null && code > 128 && signalNames.has(code - 128))
    return { exitCode: null, signal: signalNames.get(code - 128)! };
  return { exitCode: code, signal: null };
}

function abortedBeforeStart(): SandboxResult {
  return {
    exitCode: null,
    signal: null,
    stdout: '',
    stderr: '',
    timedOut: false,
    outputTruncated: false,
    durationMs: 0,
    killedReason: 'aborted',
  };
}

async function runOnHost(host: Host, options: NormalizedOptions): Promise<SandboxResult> {
  if (options.signal?.aborted) return abortedBeforeStart();
  if (options.allowHosts.length > 0 && !host.layout.socat) {
    throw new OrbitError(
      'sandbox-network-bridge-missing',
      503,
      `This step may reach ${options.allowHosts.map(describeRule).join(', ')}, which needs socat as the bridge from the sandbox to Orbit's filtering proxy, and socat is not installed. ${SOCAT_HINT}`,
    );
  }
  const started = performance.now();
  const proxy: NetworkProxy | undefined =
    options.allowHosts.length > 0 ? await startNetworkProxy(options.allowHosts) : undefined;
  let group: StepCgroup | undefined;
  try {
    group = host.cgroups?.create({
      // socat's listener and one child per open connection run beside the command.
      maxProcesses: options.maxProcesses + BWRAP_OWN_PROCESSES + (proxy ? 2 : 0),
      memoryBytes: options.memoryBytes,
    });
  } catch (error) {
    await proxy?.close();
    throw error;
  }
  const args = [
    '--json-status-fd',
    '3',
    ...bwrapArgs(options, host.layout, host.mode, proxy ? { proxyDir: proxy.dir } : undefined),
  ];
  const [command, commandArgs] = group
    ? [
        '/bin/sh',
        ['-c', JOIN_CGROUPS_SCRIPT, 'sh', String(group.procsFiles.length), ...group.procsFiles, host.bwrap, ...args],
      ]
    : [host.bwrap, args];
  const [file, argv] = SETPRIV
    ? [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...commandArgs]]
    : [command, commandArgs];

  const stdout = new CappedBuffer(options.maxOutputBytes);
  const stderr = new CappedBuffer(options.maxOutputBytes);
  let status = '';
  let killedReason: KilledReason | undefined;

  try {
    const child = spawn(file, argv, { env: options.env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'], detached: true });
    const stop = (reason: KilledReason) => {
      killedReason ??= reason;
      // Killing bwrap's monitor kills the namespace's init (--die-with-parent), and the kernel then kills every
      // process left in the pid namespace: nothing of the step survives, whatever signals it ignores.
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
    const onAbort = () => stop('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      if (!stdout.push(chunk)) stop('output');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (!stderr.push(chunk)) stop('output');
    });
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      status += chunk.toString('utf8');
    });
    child.stdin.on('error', () => {
      // the command may exit without reading its input
    });
    child.stdin.end(options.stdin ?? '');

    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', (error) =>
        reject(new OrbitError('sandbox-start-failed', 500, `Could not start ${file}: ${error.message}`)),
      );
      child.once('close', (c, s) => resolve([c, s]));
    }).finally(() => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    });

    if (killedReason === undefined && !status.includes('"child-pid"')) {
      throw new OrbitError(
        'sandbox-setup-failed',
        500,
        `The sandbox could not be set up (exit ${code ?? signal}): ${stderr.text().trim() || 'no message'}`,
      );
    }
    const exit = exitOf(code, signal);
    if (killedReason === undefined && group && group.oomKills() > 0) killedReason = 'memory';
    if (killedReason === undefined && exit.signal === 'SIGXCPU') killedReason = 'cpu';
    return {
      ...exit,
      stdout: stdout.text(),
      stderr: stderr.text(),
      timedOut: killedReason === 'timeout',
      outputTruncated: stdout.truncated || stderr.truncated,
      durationMs: Math.round(performance.now() - started),
      ...(killedReason === undefined ? {} : { killedReason }),
      ...(proxy ? { network: { allowed: proxy.allowed, blocked: proxy.blocked } } : {}),
    };
  } finally {
    await group?.destroy();
    await proxy?.close();
  }
}

/**
 * Runs one command in bubblewrap: no network (or only the listed hosts, through a filtering proxy), only the
 * workspace (and a private /tmp) writable, no view of the host's processes, home or Orbit's data, and time, CPU,
 * memory, process and output limits. Every process of the step is gone when this resolves.
 */
export async function runSandboxed(options: SandboxOptions): Promise<SandboxResult> {
  const normalized = normalizeOptions(options);
  const host = await getHost();
  if (typeof host === 'string') throw new OrbitError('sandbox-unavailable', 503, host);
  return runOnHost(host, normalized);
}
