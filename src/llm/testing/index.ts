export type { ModelServer, ModelServerOptions, RecordedRequest } from './modelServer.ts';
export { fakeEmbedding, startModelServer } from './modelServer.ts';
export type { Protocol, ScriptedReply, ScriptedToolCall, ScriptedUsage, ScriptStep } from './script.ts';
export { DEFAULT_USAGE, failure, text, toolCalls } from './script.ts';
