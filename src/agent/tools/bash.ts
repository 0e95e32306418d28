import fs from 'node:fs';
import path from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { runSandboxed } from '../../platform/sandbox/index.ts';
import { defineTool } from './define.ts';

export const BASH_DEFAULT_TIMEOUT_SECONDS = 120;

/** The environment of the agent's commands: no colours or prompts, and no Python bytecode left in the workspace. */
export const SANDBOX_ENV = { TERM: 'dumb', CI: '1', PYTHONDONTWRITEBYTECODE: '1' };
export const BASH_MAX_TIMEOUT_SECONDS = 600;

/** No network, or only the run's listed hosts (through the sandbox's filtering proxy). */
export function networkFor(allowHosts: readonly string[] | undefined): false | { allowHosts: string[] } {
  return allowHosts !== undefined && allowHosts.length > 0 ? { allowHosts: [...allowHosts] } : false;
}

const Parameters = Type.Object(
  {
    command: Type.String({ minLength: 1, description: 'A bash command line, run in the workspace root.' }),
    timeoutSeconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: BASH_MAX_TIMEOUT_SECONDS, description: 'Default 120.' }),
    ),
    description: Type.Optional(Type.String({ description: 'Five to ten words saying what the command does.' })),
  },
  { additionalProperties: false },
);

/**
 * Runs a command in the platform sandbox (bubblewrap): the workspace is the only writable tree (its .git read-only),
 * there is no network (or only the run's listed hosts, through the sandbox's filtering proxy), nothing of the user's
 * home or Orbit's data is visible, CPU/memory/time/process limits apply and every process of the command is killed
 * when it ends. Nothing here inspects the command text: the kernel enforces it.
 */
export const bashTool = defineTool<Static<typeof Parameters>>({
  name: 'bash',
  description:
    'Runs a shell command (bash -c) in the workspace inside a sandbox: no network (or only the hosts the run allows, through HTTPS_PROXY), only the workspace writable (.git is read-only: use the git tool to commit), a private /tmp, time/CPU/memory/process limits, and background processes are killed when the command ends. Use it to build, run tests and inspect; use read/edit/write for files.',
  parameters: Parameters,
  async execute(args, ctx) {
    const root = ctx.workspace.root;
    const gitDir = path.join(root, '.git');
    const readOnly = [...(fs.existsSync(gitDir) ? [gitDir] : []), ...(ctx.sandbox?.readOnly ?? [])];
    const timeoutMs = Math.min(
      (args.timeoutSeconds ?? BASH_DEFAULT_TIMEOUT_SECONDS) * 1000,
      ctx.sandbox?.timeoutMs ?? Number.POSITIVE_INFINITY,
    );
    const r = await runSandboxed({
      command: 'bash',
      args: ['-c', args.command],
      cwd: root,
      workspace: root,
      readOnly,
      env: { ...SANDBOX_ENV, ...(ctx.sandbox?.env ?? {}) },
      network: networkFor(ctx.allowHosts),
      timeoutMs,
      ...(ctx.sandbox?.memoryBytes !== undefined ? { memoryBytes: ctx.sandbox.memoryBytes } : {}),
      ...(ctx.sandbox?.cpuSeconds !== undefined ? { cpuSeconds: ctx.sandbox.cpuSeconds } : {}),
      ...(ctx.sandbox?.maxProcesses !== undefined ? { maxProcesses: ctx.sandbox.maxProcesses } : {}),
      signal: ctx.signal,
    });
    const status =
      r.killedReason === 'timeout'
        ? `killed: the command ran past its ${Math.round(timeoutMs / 1000)} s time limit (every process it started was killed)`
        : r.killedReason === 'memory'
          ? 'killed: the command used more memory than allowed'
          : r.killedReason === 'cpu'
            ? 'killed: the command used more CPU time than allowed'
            : r.killedReason === 'output'
              ? 'stopped: the command printed more output than allowed'
              : r.killedReason === 'aborted'
                ? 'stopped: the run was cancelled'
                : r.signal !== null
                  ? `killed by ${r.signal}`
                  : `exit code ${r.exitCode}`;
    const parts = [status];
    if (r.stdout !== '') parts.push(`--- stdout ---\n${r.stdout.replace(/\n$/, '')}`);
    if (r.stderr !== '') parts.push(`--- stderr ---\n${r.stderr.replace(/\n$/, '')}`);
    if (r.network?.blocked.length) {
      parts.push(
        `--- network ---\nThe sandbox refused connections to ${r.network.blocked.join(', ')}: this run may reach only ${ctx.allowHosts?.join(', ')}.`,
      );
    }
    return {
      ok: true,
      output: parts.join('\n'),
      data: {
        exitCode: r.exitCode,
        signal: r.signal,
        durationMs: r.durationMs,
        ...(r.killedReason !== undefined ? { killedReason: r.killedReason } : {}),
        ...(r.outputTruncated ? { outputTruncated: true } : {}),
        ...(r.network ? { network: r.network } : {}),
      },
    };
  },
});
