/** The analysis capability: real tools over a repository, one SARIF log, reports. */
export {
  ANALYSIS_FORMATS,
  type AnalysisFormat,
  type AnalysisInput,
  analysisInputSchema,
  createAnalysisExecutor,
} from './executor.ts';
export { analysisMetrics } from './metrics.ts';
export { CHROMIUM_INSTALL_HINT, findChromium, PdfUnavailableError, renderPdf } from './pdf.ts';
export { type AnalysisReport, type AnalysisRequest, runAnalysis } from './pipeline.ts';
export {
  type AnalysisSummary,
  REPORT_FILE_NAMES,
  REPORT_FORMATS,
  type ReportFormat,
  renderReport,
} from './reports/index.ts';
export type { ToolProgress } from './runner/index.ts';
export { GITHUB_UPLOAD_LIMITS, type SarifLog, splitForGithub, validateSarif } from './sarif/index.ts';
export {
  type AnalysisSource,
  CloneError,
  checkGitUrl,
  cloneRepository,
  resolveAllowedPath,
  type SourcePolicy,
} from './source.ts';
export {
  type InstallProgress,
  installTools,
  resolveTools,
  type ToolState,
  toolEnvironment,
  toolStatus,
} from './toolchain/index.ts';
export { type AnalysisMode, MODES, TOOLS } from './tools/index.ts';
