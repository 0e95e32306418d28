/** The workflow generation agents: request → understanding → examples → design → DSL → validated (and repaired). */
export {
  type ChangedNode,
  diffWorkflows,
  type EdgeRef,
  isEmptyDiff,
  type NodeRef,
  renderDiff,
  type WorkflowDiff,
} from './diff.ts';
export { explainWorkflow } from './explain.ts';
export {
  type AgentDependencies,
  DEFAULT_MAX_REPAIR_ROUNDS,
  type GenerateInput,
  type GenerateResult,
  generateWorkflow,
  type StepContext,
  type UsageTotals,
  WorkflowInvalidError,
} from './generate.ts';
export {
  type KnowledgeHit,
  renderSuggestions,
  type WorkflowKnowledge,
} from './knowledge.ts';
export { type AppMode, documentToDraft, draftToDocument } from './normalize.ts';
export { type Design, type Draft, GENERATABLE_NODE_TYPES, type Understanding } from './schemas.ts';
export {
  type Check,
  parseWorkflowRequest,
  scoreWorkflow,
  type WorkflowRequest,
  WorkflowRequestSchema,
} from './score.ts';
