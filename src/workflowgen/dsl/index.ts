export type { DslDocument, DslEdge, DslNode } from './document.ts';
export { formatIssues, type Issue } from './issues.ts';
export { dslToMermaid } from './mermaid.ts';
export { NODE_SPECS, type NodeSpec, nodeSpec } from './nodes/index.ts';
export { DEFAULT_MAX_ALIAS_COUNT, DEFAULT_MAX_BYTES } from './parse.ts';
export { type ValidateOptions, type ValidationResult, validateDsl, validateDslValue } from './validate.ts';
export { DEFAULT_TARGET_VERSION, TARGET_VERSIONS, type TargetVersion } from './versions.ts';
