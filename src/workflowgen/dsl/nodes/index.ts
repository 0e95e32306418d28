import { agent } from './agent.ts';
import { answer } from './answer.ts';
import { assigner } from './assigner.ts';
import { code } from './code.ts';
import type { NodeSpec } from './common.ts';
import { documentExtractor } from './document-extractor.ts';
import { end } from './end.ts';
import { httpRequest } from './http-request.ts';
import { humanInput } from './human-input.ts';
import { ifElse } from './if-else.ts';
import { iteration, iterationStart } from './iteration.ts';
import { knowledgeRetrieval } from './knowledge-retrieval.ts';
import { listOperator } from './list-operator.ts';
import { llm } from './llm.ts';
import { loop, loopEnd, loopStart } from './loop.ts';
import { parameterExtractor } from './parameter-extractor.ts';
import { questionClassifier } from './question-classifier.ts';
import { start } from './start.ts';
import { templateTransform } from './template-transform.ts';
import { tool } from './tool.ts';
import { datasource, knowledgeIndex, triggerPlugin, triggerSchedule, triggerWebhook } from './triggers.ts';
import { variableAggregator } from './variable-aggregator.ts';

export type { GraphAppMode, NodeOutputs, NodeRole, NodeSpec, SelectorRef } from './common.ts';

/** Every node type Orbit knows. Adding a node type = adding its file and one entry here. */
export const NODE_SPECS: readonly NodeSpec[] = [
  start,
  end,
  answer,
  llm,
  knowledgeRetrieval,
  questionClassifier,
  ifElse,
  code,
  templateTransform,
  httpRequest,
  tool,
  variableAggregator,
  assigner,
  parameterExtractor,
  iteration,
  iterationStart,
  loop,
  loopStart,
  loopEnd,
  documentExtractor,
  listOperator,
  agent,
  humanInput,
  triggerWebhook,
  triggerSchedule,
  triggerPlugin,
  datasource,
  knowledgeIndex,
];

const byType = new Map<string, NodeSpec>();
for (const spec of NODE_SPECS) {
  byType.set(spec.type, spec);
  for (const alias of spec.aliases ?? []) byType.set(alias, spec);
}

export function nodeSpec(type: string): NodeSpec | undefined {
  return byType.get(type);
}

/** Node types that come from plugins whose data shape a DSL file cannot describe fully. */
export const PLUGIN_NODE_TYPE = /^plugin[-:]|\//;
