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

/**
 * Runs one installed tool over its files inside the sandbox (no network, the repository read-only, a scratch
 * workspace) and turns what happened into a ToolRunResult. Pass/fail comes from the parsed report.
 */
export async function runTool(input: RunToolInput, executable: string): Promise<ToolRunResult> {
  const { tool, files, repoRoot, env } = input;
  const timeoutMs = tool.timeoutMs ?? input.timeoutMs;
  const started = Date.now();
  const base = { tool: tool.name, informationUri: tool.informationUri };
  const version = await probeVersion(tool, executable).catch(() => undefined);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `orbit-${tool.name}-`));
  const notices: string[] = [];
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
    const exeDir = path.dirname(executable);
    const readOnly = [
      repoRoot,
      ...(route ? runtimePaths(route, env) : []),
      ...(isUnderUsr(executable) ? [] : [exeDir]),
    ].filter((p) => fs.existsSync(p));
    const r = await runSandboxed({
      command: '/bin/sh',
      args: ['-c', CD_THEN_EXEC, 'orbit-tool', repoRoot, executable, ...argv],
      cwd: scratch,
      workspace: scratch,
      readOnly: [...new Set(readOnly)],
      env: { ...tool.env },
      timeoutMs,
      memoryBytes: tool.memoryBytes,
      maxOutputBytes: MAX_OUTPUT_BYTES,
      signal: input.signal,
    });
    const durationMs = Date.now() - started;
    const done = { ...base, version, durationMs, notices };
    if (r.timedOut || r.killedReason === 'timeout') {
      return {
        ...done,
        status: 'timed_out',
        reason: `killed at its time limit of ${timeoutMs / 1000} s`,
        findings: [],
      };
    }
    if (r.killedReason) {
      return { ...done, status: 'failed', reason: `stopped by the sandbox (${r.killedReason} limit)`, findings: [] };
    }
    const exitCode = r.exitCode ?? -1;
    const exitText = r.exitCode === null ? `killed by ${r.signal ?? 'a signal'}` : `exit code ${exitCode}`;
    try {
      const findings = tool.parse({ stdout: r.stdout, stderr: r.stderr, exitCode, repoRoot, files });
      if (!tool.findingExitCodes.includes(exitCode)) {
        notices.push(
          `${tool.name}: ${exitText} is not one of its documented codes (${tool.findingExitCodes.join(', ')}), but its report was complete and was used`,
        );
      }
      return { ...done, status: 'succeeded', findings };
    } catch (err) {
      const stderr = tail(r.stderr);
      return {
        ...done,
        status: 'failed',
        reason: `${exitText}; ${(err as Error).message}${stderr ? `; stderr: ${stderr}` : ''}`,
        findings: [],
      };
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
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
