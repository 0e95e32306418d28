export {
  type AnalysisOutcome,
  type AnalyzeOptions,
  analyzeRepository,
  applicableFiles,
  type ToolProgress,
} from './analyze.ts';
export {
  DEFAULT_MAX_FILE_BYTES,
  type DiscoveredFile,
  type Discovery,
  discoverFiles,
  type SkippedFile,
} from './discover.ts';
export { chunkFiles, DEFAULT_TOOL_TIMEOUT_MS, MAX_ARGV_BYTES, notInstalled, runTool } from './run-tool.ts';
