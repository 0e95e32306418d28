/** The backend generator: a JSON data model becomes a validated plan and a tested backend project. */
export { backendExecutor, backendInputSchema, invalidModel } from './executor.ts';
export { archiveProject, countLines, writeProject } from './generate.ts';
export { backendMetrics } from './metrics.ts';
export { pascal, singular } from './model/naming.ts';
export { type Model, ModelSchema } from './model/types.ts';
export { type Plan, planMarkdown, planModel } from './plan/index.ts';
export { backendRoutes, MAX_MODEL_BODY_BYTES, modelJsonSchema } from './routes.ts';
export { TARGET_NAMES, TARGETS, type Target } from './targets/index.ts';
export {
  DEFAULT_LIMITS,
  type ModelError,
  type ModelLimits,
  parseModelText,
  type Validation,
  validateModel,
} from './validate/index.ts';
