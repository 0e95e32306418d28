import { Type } from '@sinclair/typebox';
import { defineNode, Memory, ModelConfig, nodeData, Selector, StringOrNull, Vision } from './common.ts';

export const questionClassifier = defineNode({
  type: 'question-classifier',
  role: 'branch',
  schema: nodeData('question-classifier', {
    query_variable_selector: Selector,
    model: ModelConfig,
    classes: Type.Array(
      Type.Object(
        { id: Type.String({ minLength: 1 }), name: Type.String(), label: Type.Optional(Type.String()) },
        { additionalProperties: true },
      ),
      { minItems: 1 },
    ),
    instruction: Type.Optional(StringOrNull),
    memory: Type.Optional(Memory),
    vision: Type.Optional(Vision),
  }),
  outputs: () => ({ names: ['class_name', 'class_label', 'class_id', 'usage'] }),
  // the node finishes with edge_source_handle = the chosen class id
  handles: (data) => data.classes.map((c) => c.id),
});
