import type { SarifLog } from '../sarif/model.ts';
import type { ToolRunResult } from '../sarif/types.ts';
import { type HtmlOptions, renderHtmlReport } from './html.ts';
import { renderJsonReport, renderSarifReport } from './json.ts';
import { type MarkdownOptions, renderMarkdownReport } from './markdown.ts';
import { type ReportInput, summarize } from './summary.ts';

export { escapeHtml, HTML_MAX_FINDINGS, type HtmlOptions, renderHtmlReport } from './html.ts';
export { JSON_REPORT_FORMAT, renderJsonReport, renderSarifReport } from './json.ts';
export { MARKDOWN_MAX_CHARS, type MarkdownOptions, mdCell, renderMarkdownReport } from './markdown.ts';
export {
  type AnalysisSummary,
  listFindings,
  type ReportFinding,
  type ReportInput,
  summarize,
  type ToolSummary,
} from './summary.ts';

export type ReportFormat = 'json' | 'sarif' | 'markdown' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'sarif', 'markdown', 'html'];
export const REPORT_FILE_NAMES: Record<ReportFormat, string> = {
  json: 'report.json',
  sarif: 'report.sarif',
  markdown: 'report.md',
  html: 'report.html',
};

/** The input every renderer takes: the log, the runner's results and the summary derived from both. */
export function reportInput(
  sarif: SarifLog,
  results: ToolRunResult[],
  options: { durationMs?: number } = {},
): ReportInput {
  return { sarif, results, summary: summarize(sarif, results, options) };
}

export function renderReport(
  format: ReportFormat,
  input: ReportInput,
  options: HtmlOptions & MarkdownOptions = {},
): string {
  switch (format) {
    case 'json':
      return renderJsonReport(input);
    case 'sarif':
      return renderSarifReport(input);
    case 'markdown':
      return renderMarkdownReport(input, options);
    case 'html':
      return renderHtmlReport(input, options);
  }
}
