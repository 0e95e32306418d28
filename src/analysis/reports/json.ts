import { listFindings, type ReportInput } from './summary.ts';

export const JSON_REPORT_FORMAT = 'orbit.analysis-report/v1';

/** Machine-readable report: the summary (counts, tool statuses with reasons, duration) and every finding. */
export function renderJsonReport(input: ReportInput): string {
  const tools = input.results.map((r) => ({
    tool: r.tool,
    version: r.version,
    status: r.status,
    reason: r.reason,
    durationMs: r.durationMs,
    cpuMs: r.cpuMs,
    notices: r.notices,
  }));
  return `${JSON.stringify({ format: JSON_REPORT_FORMAT, summary: input.summary, tools, findings: listFindings(input.sarif) }, null, 2)}\n`;
}

/** The SARIF report is the log itself. */
export function renderSarifReport(input: ReportInput): string {
  return `${JSON.stringify(input.sarif, null, 2)}\n`;
}
