import fs from 'node:fs';
import path from 'node:path';
import { recordAnalysis } from './metrics.ts';
import {
  type AnalysisSummary,
  REPORT_FORMATS,
  type ReportFormat,
  type ReportInput,
  renderReport,
  reportInput,
} from './reports/index.ts';
import { type AnalysisOutcome, type AnalyzeOptions, analyzeRepository } from './runner/index.ts';
import { buildSarifLog, type SarifLog, type SarifValidation, validateSarif } from './sarif/index.ts';

export interface AnalysisRequest extends AnalyzeOptions {
  analysisId?: string;
  /** Reports to render; default all four text formats. */
  formats?: readonly ReportFormat[];
  /** Report title (the repository's name by default). */
  title?: string;
}

export interface AnalysisReport {
  outcome: AnalysisOutcome;
  sarif: SarifLog;
  validation: SarifValidation;
  summary: AnalysisSummary;
  input: ReportInput;
  reports: Partial<Record<ReportFormat, string>>;
  durationMs: number;
}

const MAX_SNIPPET_FILE_BYTES = 2 * 1024 * 1024;

/** Reads a repo-relative file for fingerprints and snippets, never leaving the repository. */
function repoReader(repoRoot: string): (rel: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (rel) => {
    if (cache.has(rel)) return cache.get(rel);
    let text: string | undefined;
    const full = path.resolve(repoRoot, rel);
    if (full.startsWith(`${repoRoot}${path.sep}`)) {
      try {
        const real = fs.realpathSync(full);
        if (real.startsWith(`${repoRoot}${path.sep}`) && fs.statSync(real).size <= MAX_SNIPPET_FILE_BYTES) {
          text = fs.readFileSync(real, 'utf8');
        }
      } catch {
        text = undefined;
      }
    }
    cache.set(rel, text);
    return text;
  };
}

/**
 * One analysis from files to reports: run the tools, normalise every finding into one SARIF 2.1.0 log, validate
 * it against the official schema, and render the reports. Used by `orbit analyze` in-process and by the
 * `analysis` run kind on the server, so both give the same result.
 */
export async function runAnalysis(request: AnalysisRequest): Promise<AnalysisReport> {
  const started = Date.now();
  const outcome = await analyzeRepository(request);
  const readFile = repoReader(outcome.repoRoot);
  const sarif = buildSarifLog(outcome.results, {
    repoRoot: outcome.repoRoot,
    analysisId: request.analysisId,
    startedAt: new Date(started),
    readFile,
  });
  const validation = validateSarif(sarif);
  const durationMs = Date.now() - started;
  const input = reportInput(sarif, outcome.results, { durationMs });
  const title = request.title ?? `Analysis of ${path.basename(outcome.repoRoot)}`;
  const reports: Partial<Record<ReportFormat, string>> = {};
  for (const format of request.formats ?? REPORT_FORMATS) {
    reports[format] = renderReport(format, input, { readFile, title });
  }
  recordAnalysis(outcome.results, input.summary.bySeverity);
  return { outcome, sarif, validation, summary: input.summary, input, reports, durationMs };
}
