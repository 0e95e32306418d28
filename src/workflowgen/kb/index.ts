/** The workflow knowledge base: example workflows indexed for full-text search. */
export { describeWorkflow, type WorkflowDescription } from './describe.ts';
export { NODE_TYPE_WORDS, PATTERNS, type PatternDefinition } from './features.ts';
export {
  type AddResult,
  type AddWorkflowInput,
  contentHash,
  DEFAULT_SEARCH_LIMIT,
  KB_MODES,
  KnowledgeBase,
  type KnowledgeBaseOptions,
  type KnowledgeEmbedder,
  type KnowledgeEntry,
  type KnowledgeMode,
  type KnowledgeWorkflow,
  MAX_SEARCH_LIMIT,
  normalizeDsl,
  type SearchHit,
  type SearchStrategy,
} from './knowledgeBase.ts';
export { type DslFieldError, InvalidWorkflowError, toFieldErrors, unreadableDslError } from './problems.ts';
export { DEFAULT_EXAMPLES_DIR, readLicenceTable, type SeedReport } from './seed.ts';
