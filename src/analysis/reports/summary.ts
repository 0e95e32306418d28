import type { SarifLevel, SarifLog } from '../sarif/model.ts';
import { uriToRelativePath } from '../sarif/paths.ts';
import type { ToolRunResult, ToolStatus } from '../sarif/types.ts';

/** One finding as reports show it, read back from the SARIF log (so reports show exactly what SARIF holds). */
export interface ReportFinding {
  tool: string;
  ruleId: string;
  ruleName?: string;
  level: SarifLevel;
  message: string;
  file?: string;
  startLine?: number;
  startColumn?: number;
  endLine?: number;
  helpUri?: string;
  securitySeverity?: string;
  fingerprint?: string;
}

export interface ToolSummary {
  tool: string;
  version?: string;
  status: ToolStatus;
  reason?: string;
  durationMs: number;
  cpuMs?: number;
  findings: number;
  /** Results the SARIF layer had to repair or drop. */
  repairs: number;
}

export interface AnalysisSummary {
  analysisId?: string;
  startedAt?: string;
  /** Wall time of the whole analysis. */
  durationMs: number;
  totalFindings: number;
  bySeverity: Record<SarifLevel, number>;
  byTool: Record<string, number>;
  byFile: Record<string, number>;
  tools: ToolSummary[];
  /** Tools that did not run to completion, with why: the reader must not mistake them for "clean". */
  notRun: { tool: string; status: ToolStatus; reason: string }[];
}

export interface ReportInput {
  sarif: SarifLog;
  results: ToolRunResult[];
  summary: AnalysisSummary;
}

export const SEVERITIES: readonly SarifLevel[] = ['error', 'warning', 'note', 'none'];
const RANK: Record<SarifLevel, number> = { error: 0, warning: 1, note: 2, none: 3 };

/** Findings of every run, most severe first, then by file and line. */
export function listFindings(sarif: SarifLog): ReportFinding[] {
  const out: ReportFinding[] = [];
  for (const run of sarif.runs) {
    const rules = run.tool.driver.rules ?? [];
    for (const result of run.results) {
      const rule = result.ruleIndex !== undefined ? rules[result.ruleIndex] : rules.find((r) => r.id === result.ruleId);
      const physical = result.locations?.[0]?.physicalLocation;
      const region = physical?.region;
      const finding: ReportFinding = {
        tool: run.tool.driver.name,
        ruleId: result.ruleId,
        level: result.level,
        message: result.message.text,
      };
      if (rule?.name) finding.ruleName = rule.name;
      if (physical) finding.file = uriToRelativePath(physical.artifactLocation.uri);
      if (region?.startLine !== undefined) finding.startLine = region.startLine;
      if (region?.startColumn !== undefined) finding.startColumn = region.startColumn;
      if (region?.endLine !== undefined) finding.endLine = region.endLine;
      if (rule?.helpUri) finding.helpUri = rule.helpUri;
      const score = rule?.properties?.['security-severity'];
      if (typeof score === 'string') finding.securitySeverity = score;
      const print = result.partialFingerprints?.['orbit/v1'];
      if (print) finding.fingerprint = print;
      out.push(finding);
    }
  }
  return out.sort(
    (a, b) =>
      RANK[a.level] - RANK[b.level] ||
      Number(b.securitySeverity ?? 0) - Number(a.securitySeverity ?? 0) ||
      (a.file ?? '\uffff').localeCompare(b.file ?? '\uffff') ||
      (a.startLine ?? 0) - (b.startLine ?? 0),
  );
}

/** Counts and tool statuses for an analysis; counts come from the SARIF log, statuses from the runner. */
export function summarize(
  sarif: SarifLog,
  results: readonly ToolRunResult[],
  options: { durationMs?: number } = {},
): AnalysisSummary {
  const findings = listFindings(sarif);
  const bySeverity: Record<SarifLevel, number> = { error: 0, warning: 0, note: 0, none: 0 };
  const byTool: Record<string, number> = {};
  const byFile: Record<string, number> = {};
  for (const f of findings) {
    bySeverity[f.level] += 1;
    byTool[f.tool] = (byTool[f.tool] ?? 0) + 1;
    if (f.file !== undefined) byFile[f.file] = (byFile[f.file] ?? 0) + 1;
  }
  const tools: ToolSummary[] = results.map((r, i) => {
    // buildSarifLog keeps the runner's order; fall back to the name for a log assembled some other way.
    const byIndex = sarif.runs[i];
    const run =
      byIndex?.tool.driver.name === r.tool.trim()
        ? byIndex
        : sarif.runs.find((x) => x.tool.driver.name === r.tool.trim());
    const repairs = run?.invocations?.[0]?.properties?.['orbit/repairs'];
    const tool: ToolSummary = {
      tool: r.tool,
      status: r.status,
      durationMs: r.durationMs,
      findings: run?.results.length ?? 0,
      repairs: typeof repairs === 'number' ? repairs : 0,
    };
    if (r.version) tool.version = r.version;
    if (r.reason) tool.reason = r.reason;
    if (r.cpuMs !== undefined) tool.cpuMs = r.cpuMs;
    return tool;
  });
  const summary: AnalysisSummary = {
    durationMs: options.durationMs ?? Math.max(0, ...results.map((r) => r.durationMs)),
    totalFindings: findings.length,
    bySeverity,
    byTool,
    byFile,
    tools,
    notRun: results
      .filter((r) => r.status !== 'succeeded')
      .map((r) => ({ tool: r.tool, status: r.status, reason: r.reason ?? 'no reason given' })),
  };
  const analysisId = sarif.properties?.['orbit/analysisId'];
  const startedAt = sarif.properties?.['orbit/startedAt'];
  if (typeof analysisId === 'string') summary.analysisId = analysisId;
  if (typeof startedAt === 'string') summary.startedAt = startedAt;
  return summary;
}

/** Only http(s) links leave a report: a tool must not be able to plant a javascript: URL. */
export function safeLink(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  try {
    const url = new URL(uri);
    // Parentheses would end a Markdown link early.
    const web = url.protocol === 'https:' || url.protocol === 'http:';
    return web ? url.href.replace(/\(/g, '%28').replace(/\)/g, '%29') : undefined;
  } catch {
    return undefined;
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function location(f: ReportFinding): string {
  if (f.file === undefined) return '(repository)';
  return f.startLine === undefined ? f.file : `${f.file}:${f.startLine}`;
}
