export { ArtifactStore, checkArtifactName } from './artifacts.ts';
export { backoffMs, RUN_QUEUE, RunEngine, type RunEngineOptions, type SubmitInput } from './engine.ts';
export { EventLog, TERMINAL_EVENT_TYPES } from './events.ts';
export { AwaitingInput, answerIn, type InputAnswer, type InputRequest, notesAfter, openRequest } from './input.ts';
export { type ExecutorContext, type ExecutorDefinition, ExecutorRegistry, schemaErrors } from './registry.ts';
export { canTransition, isTerminal, RUN_STATUSES, type RunStatus, TERMINAL_STATUSES } from './states.ts';
export { type ListRunsQuery, RunStore } from './store.ts';
export type { ArtifactInfo, Run, RunError, RunEvent } from './types.ts';
