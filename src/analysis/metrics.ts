import { prom, registry } from '../platform/observability/metrics.ts';
import type { SarifLevel } from './sarif/model.ts';
import type { ToolRunResult } from './sarif/types.ts';

export const analysisMetrics = {
  toolRuns: new prom.Counter({
    name: 'orbit_analysis_tool_runs_total',
    help: 'Analysis tool executions by tool and final status (succeeded, failed, timed_out, not_installed, not_configured, not_applicable).',
    labelNames: ['tool', 'status'],
    registers: [registry],
  }),
  toolDuration: new prom.Histogram({
    name: 'orbit_analysis_tool_duration_seconds',
    help: 'Wall time of one analysis tool over its file set, by tool (tools that did not start are not observed).',
    labelNames: ['tool'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  }),
  findings: new prom.Counter({
    name: 'orbit_analysis_findings_total',
    help: 'Findings reported by analyses, by SARIF level (error, warning, note, none).',
    labelNames: ['severity'],
    registers: [registry],
  }),
  analyses: new prom.Counter({
    name: 'orbit_analyses_total',
    help: 'Completed analyses by outcome: clean, findings, incomplete (a tool failed or timed out).',
    labelNames: ['outcome'],
    registers: [registry],
  }),
};

/** Records one finished analysis. */
export function recordAnalysis(results: readonly ToolRunResult[], bySeverity: Record<SarifLevel, number>): void {
  for (const r of results) {
    analysisMetrics.toolRuns.inc({ tool: r.tool, status: r.status });
    if (r.status === 'succeeded' || r.status === 'failed' || r.status === 'timed_out') {
      analysisMetrics.toolDuration.observe({ tool: r.tool }, r.durationMs / 1000);
    }
  }
  let total = 0;
  for (const [severity, count] of Object.entries(bySeverity)) {
    if (count > 0) analysisMetrics.findings.inc({ severity }, count);
    total += count;
  }
  const incomplete = results.some((r) => r.status === 'failed' || r.status === 'timed_out');
  analysisMetrics.analyses.inc({ outcome: incomplete ? 'incomplete' : total > 0 ? 'findings' : 'clean' });
}
