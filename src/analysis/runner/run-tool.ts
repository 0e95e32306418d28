import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSandboxed } from '../../platform/sandbox/index.ts';
import type { ToolRunResult } from '../sarif/types.ts';
import { runtimePaths } from '../toolchain/environment.ts';
import { probeVersion } from '../toolchain/status.ts';
import type { ToolDescriptor, ToolEnvironment } from '../tools/descriptor.ts';
import { installCommand } from '../tools/descriptor.ts';

export const DEFAULT_TOOL_TIMEOUT_MS = 5 * 60_000;
/** Reports of big repositories are large; the sandbox stops a step past this. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const STDERR_TAIL_CHARS = 2000;

export interface RunToolInput {
  tool: ToolDescriptor;
  /** Repo-relative files this tool applies to (non-empty). */
  files: string[];
  repoRoot: string;
  env: ToolEnvironment;
  timeoutMs: number;
  /** Bytes of file arguments per run (default MAX_ARGV_BYTES). */
  maxArgvBytes?: number;
  signal?: AbortSignal;
}

function tail(text: string): string {
  const t = text.trim();
  return t.length > STDERR_TAIL_CHARS ? `…${t.slice(-STDERR_TAIL_CHARS)}` : t;
}

function isUnderUsr(p: string): boolean {
  return p.startsWith('/usr/') || p.startsWith('/bin/');
}

/** Starts the tool from the repository (its configs are found from the CWD) though the sandbox's CWD is scratch. */
const CD_THEN_EXEC = 'cd "$1" && shift && exec "$@"';

/** Bytes of file arguments per run, well below Linux's ~2 MiB for argv and environment together. */
export const MAX_ARGV_BYTES = 512 * 1024;

/** Splits a file list into runs whose arguments fit the OS limit; almost always a single chunk. */
export function chunkFiles(files: readonly string[], maxBytes = MAX_ARGV_BYTES): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const file of files) {
    const size = Buffer.byteLength(file) + 1;
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The service credentials a tool was configured with (names from its descriptor, values from Orbit's env). */
function serviceEnv(tool: RunToolInput['tool']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of tool.service?.env ?? []) {
    const value = process.env[name];
    if (value) out[name] = value;
  }
  return out;
}

type ChunkOutcome = Pick<ToolRunResult, 'status' | 'reason' | 'findings'>;

/** One sandboxed run of the tool over one chunk of files, in a fresh scratch workspace. */
async function runChunk(
  input: RunToolInput,
  executable: string,
  files: string[],
  timeoutMs: number,
  notices: string[],
): Promise<ChunkOutcome> {
  const { tool, repoRoot, env } = input;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `orbit-${tool.name}-`));
  try {
    const ownConfig = tool.ownConfigFiles.find((f) => fs.existsSync(path.join(repoRoot, f)));
    let configFile: string | undefined;
    if (!ownConfig && tool.defaultConfig) {
      configFile = path.join(scratch, tool.defaultConfig.fileName);
      fs.writeFileSync(configFile, tool.defaultConfig.content);
      notices.push(`${tool.name}: the repository has no config of its own; Orbit's default config was used`);
    }
    const ctx = { files, repoRoot, scratchDir: scratch, ownConfig, configFile };
    tool.prepare?.(ctx);
    const argv = tool.argv(ctx);
    const route = tool.install[0];
    const readOnly = [
      repoRoot,
      ...(route ? runtimePaths(route, env) : []),
      ...(isUnderUsr(executable) ? [] : [path.dirname(executable)]),
      ...(tool.extraReadOnly?.(ctx) ?? []),
    ].filter((p) => fs.existsSync(p));
    const r = await runSandboxed({
      command: '/bin/sh',
      args: ['-c', CD_THEN_EXEC, 'orbit-tool', repoRoot, executable, ...argv],
      cwd: scratch,
      workspace: scratch,
      readOnly: [...new Set(readOnly)],
      env: { ...tool.env, ...serviceEnv(tool) },
      network: tool.service ? 'host' : false,
      timeoutMs,
      memoryBytes: tool.memoryBytes,
      maxOutputBytes: MAX_OUTPUT_BYTES,
      signal: input.signal,
    });
    if (r.timedOut || r.killedReason === 'timeout') {
      const limit = (tool.timeoutMs ?? input.timeoutMs) / 1000;
      return { status: 'timed_out', reason: `killed at its time limit of ${limit} s`, findings: [] };
    }
    if (r.killedReason) {
      return { status: 'failed', reason: `stopped by the sandbox (${r.killedReason} limit)`, findings: [] };
    }
    const exitCode = r.exitCode ?? -1;
    const exitText = r.exitCode === null ? `killed by ${r.signal ?? 'a signal'}` : `exit code ${exitCode}`;
    try {
      const findings = tool.parse({ stdout: r.stdout, stderr: r.stderr, exitCode, repoRoot, files });
      if (!tool.findingExitCodes.includes(exitCode) && findings.length === 0) {
        // An empty report from a tool that exited abnormally is a crash, not a clean result.
        const stderr = tail(r.stderr);
        return {
          status: 'failed',
          reason: `${exitText} with an empty report${stderr ? `; stderr: ${stderr}` : ''}`,
          findings: [],
        };
      }
      if (!tool.findingExitCodes.includes(exitCode)) {
        notices.push(
          `${tool.name}: ${exitText} is not one of its documented codes (${tool.findingExitCodes.join(', ')}), but its report was complete and was used`,
        );
      }
      return { status: 'succeeded', findings };
    } catch (err) {
      const stderr = tail(r.stderr);
      return {
        status: 'failed',
        reason: `${exitText}; ${(err as Error).message}${stderr ? `; stderr: ${stderr}` : ''}`,
        findings: [],
      };
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Runs one installed tool over its files inside the sandbox (no network, the repository read-only, a scratch
 * workspace) and turns what happened into a ToolRunResult. Pass/fail comes from the parsed report. The whole
 * file set goes in one run; only a list too long for the OS is split, and the time limit covers all the runs.
 */
export async function runTool(input: RunToolInput, executable: string): Promise<ToolRunResult> {
  const { tool } = input;
  const timeoutMs = tool.timeoutMs ?? input.timeoutMs;
  const started = Date.now();
  const version = await probeVersion(tool, executable).catch(() => undefined);
  const notices: string[] = [];
  const chunks = chunkFiles(input.files, input.maxArgvBytes);
  if (chunks.length > 1) notices.push(`${tool.name}: ${input.files.length} files run in ${chunks.length} batches`);
  const findings: ToolRunResult['findings'] = [];
  let outcome: ChunkOutcome = { status: 'succeeded', findings: [] };
  for (const chunk of chunks) {
    const remaining = Math.max(1, timeoutMs - (Date.now() - started));
    outcome = await runChunk(input, executable, chunk, remaining, notices);
    if (outcome.status !== 'succeeded') break;
    findings.push(...outcome.findings);
  }
  return {
    tool: tool.name,
    informationUri: tool.informationUri,
    version,
    status: outcome.status,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    durationMs: Date.now() - started,
    findings: outcome.status === 'succeeded' ? findings : [],
    notices: [...new Set(notices)],
  };
}

/** The not_installed result, with the command that fixes it. */
export function notInstalled(tool: ToolDescriptor, env: ToolEnvironment): ToolRunResult {
  const route = tool.install[0];
  const fix = route ? installCommand(route, env) : 'no install route';
  return {
    tool: tool.name,
    informationUri: tool.informationUri,
    status: 'not_installed',
    reason: `${tool.title} is not installed. Fix: orbit tools install ${tool.name}  (runs: ${fix})`,
    durationMs: 0,
    findings: [],
    notices: [],
  };
}
