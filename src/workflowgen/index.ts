/** Workflow generator: the Dify workflow DSL model and its validator. */
export {
  DEFAULT_MAX_ALIAS_COUNT,
  DEFAULT_MAX_BYTES,
  DEFAULT_TARGET_VERSION,
  type DslDocument,
  type DslEdge,
  type DslNode,
  dslToMermaid,
  formatIssues,
  type Issue,
  NODE_SPECS,
  type NodeSpec,
  nodeSpec,
  TARGET_VERSIONS,
  type TargetVersion,
  type ValidateOptions,
  type ValidationResult,
  validateDsl,
  validateDslValue,
} from './dsl/index.ts';
export * from './executor.ts';
export * from './kb/index.ts';
export { countValidationErrors, workflowMetrics } from './metrics.ts';
