import fs from 'node:fs';
import os from 'node:os';
import { ValidationError } from '../../platform/errors.ts';
import type { ToolRunResult, ToolStatus } from '../sarif/types.ts';
import { toolEnvironment } from '../toolchain/environment.ts';
import type { ToolDescriptor, ToolEnvironment } from '../tools/descriptor.ts';
import { compileGlobs } from '../tools/glob.ts';
import { type AnalysisMode, MODES, TOOLS } from '../tools/index.ts';
import { type DiscoveredFile, discoverFiles, type SkippedFile } from './discover.ts';
import { mapWithLimit } from './pool.ts';
import { DEFAULT_TOOL_TIMEOUT_MS, notInstalled, runTool } from './run-tool.ts';

export type ToolProgress =
  | { tool: string; phase: 'started'; files: number }
  | { tool: string; phase: 'finished'; status: ToolStatus; findings: number; durationMs: number; reason?: string };

export interface AnalyzeOptions {
  repoRoot: string;
  /** Named tool set; default `standard`. Ignored when `tools` is given. */
  mode?: AnalysisMode;
  /** Exactly these tools, in this order. */
  tools?: readonly string[];
  /** The tool registry (tests add fakes); default every descriptor Orbit ships. */
  registry?: readonly ToolDescriptor[];
  env?: ToolEnvironment;
  /** Tools running at once; default the number of cores. */
  concurrency?: number;
  /** Per tool; default 5 minutes. */
  timeoutMs?: number;
  maxFileBytes?: number;
  /** Bytes of file arguments per tool run; a longer list is split into batches. */
  maxArgvBytes?: number;
  onProgress?: (event: ToolProgress) => void;
  signal?: AbortSignal;
}

export interface AnalysisOutcome {
  repoRoot: string;
  /** Repo-relative files that were considered. */
  files: string[];
  skipped: SkippedFile[];
  /** Files skipped and other facts a report should show. */
  notices: string[];
  results: ToolRunResult[];
}

function selectTools(options: AnalyzeOptions, registry: readonly ToolDescriptor[]): ToolDescriptor[] {
  const names = options.tools ?? MODES[options.mode ?? 'standard'];
  if (!names) throw new ValidationError(`Unknown mode "${options.mode}"`, [{ pointer: '/mode', message: 'unknown' }]);
  if (names.length === 0) {
    throw new ValidationError('No tools selected', [{ pointer: '/tools', message: 'must name at least one tool' }]);
  }
  const unknown = names.filter((n) => !registry.some((t) => t.name === n));
  if (unknown.length > 0) {
    throw new ValidationError(
      `Unknown tool(s): ${unknown.join(', ')}. Known tools: ${registry.map((t) => t.name).join(', ')}`,
      unknown.map((n) => ({ pointer: `/tools/${names.indexOf(n)}`, message: `unknown tool "${n}"` })),
    );
  }
  return [...new Set(names)].map((n) => registry.find((t) => t.name === n) as ToolDescriptor);
}

/** The files a tool applies to: by name glob, or by shebang for scripts without an extension. */
export function applicableFiles(tool: ToolDescriptor, files: readonly DiscoveredFile[]): string[] {
  const matches = compileGlobs(tool.appliesTo);
  return files.filter((f) => matches(f.path) || (tool.shebang?.test(f.firstLine) ?? false)).map((f) => f.path);
}

function repositoryRoot(repoRoot: string): string {
  let real: string;
  try {
    real = fs.realpathSync(repoRoot);
  } catch {
    throw new ValidationError(`Repository path does not exist: ${repoRoot}`, [
      { pointer: '/repoRoot', message: 'does not exist' },
    ]);
  }
  if (!fs.statSync(real).isDirectory()) {
    throw new ValidationError(`Repository path is not a directory: ${repoRoot}`, [
      { pointer: '/repoRoot', message: 'must be a directory' },
    ]);
  }
  return real;
}

/**
 * Analyses a repository: discovers its files, decides which tools apply, and runs them in parallel, each in the
 * sandbox with a time limit. Every selected tool gets exactly one result, in the order selected.
 */
export async function analyzeRepository(options: AnalyzeOptions): Promise<AnalysisOutcome> {
  const registry = options.registry ?? TOOLS;
  const tools = selectTools(options, registry);
  const repoRoot = repositoryRoot(options.repoRoot);
  const env = options.env ?? toolEnvironment();
  const discovery = await discoverFiles(repoRoot, { maxFileBytes: options.maxFileBytes });
  const concurrency = options.concurrency ?? os.availableParallelism();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;

  const results = await mapWithLimit(tools, concurrency, async (tool): Promise<ToolRunResult> => {
    const files = applicableFiles(tool, discovery.files);
    let result: ToolRunResult;
    if (files.length === 0) {
      result = {
        tool: tool.name,
        informationUri: tool.informationUri,
        status: 'not_applicable',
        reason: `no files match ${tool.appliesTo.join(', ')}`,
        durationMs: 0,
        findings: [],
        notices: [],
      };
    } else {
      const executable = tool.findExecutable(env);
      const unconfigured = tool.service && !tool.service.env.some((name) => process.env[name]);
      if (!executable) result = notInstalled(tool, env);
      else if (unconfigured && tool.service) {
        result = {
          tool: tool.name,
          informationUri: tool.informationUri,
          status: 'not_configured',
          reason: `${tool.service.what}; to run it: ${tool.service.fix}`,
          durationMs: 0,
          findings: [],
          notices: [],
        };
      } else {
        options.onProgress?.({ tool: tool.name, phase: 'started', files: files.length });
        result = await runTool(
          { tool, files, repoRoot, env, timeoutMs, maxArgvBytes: options.maxArgvBytes, signal: options.signal },
          executable,
        ).catch(
          (err: Error): ToolRunResult => ({
            tool: tool.name,
            informationUri: tool.informationUri,
            status: 'failed',
            reason: `could not run: ${err.message}`,
            durationMs: 0,
            findings: [],
            notices: [],
          }),
        );
      }
    }
    options.onProgress?.({
      tool: tool.name,
      phase: 'finished',
      status: result.status,
      findings: result.findings.length,
      durationMs: result.durationMs,
      ...(result.reason ? { reason: result.reason } : {}),
    });
    return result;
  });

  return {
    repoRoot,
    files: discovery.files.map((f) => f.path),
    skipped: discovery.skipped,
    notices: discovery.skipped.map((s) => s.detail),
    results,
  };
}
