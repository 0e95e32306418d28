import { Type } from '@sinclair/typebox';
import { defineNode, Memory, ModelConfig, nodeData, Selector, StringOrNull, Vision } from './common.ts';

const ParameterType = Type.Union(
  [
    'string',
    'number',
    'boolean',
    'bool',
    'select',
    'array[string]',
    'array[number]',
    'array[object]',
    'array[boolean]',
  ].map((t) => Type.Literal(t)),
);

export const parameterExtractor = defineNode({
  type: 'parameter-extractor',
  role: 'step',
  schema: nodeData('parameter-extractor', {
    model: ModelConfig,
    query: Selector,
    parameters: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          type: ParameterType,
          options: Type.Optional(Type.Array(Type.String())),
          description: Type.String(),
          required: Type.Boolean(),
        },
        { additionalProperties: true },
      ),
    ),
    reasoning_mode: Type.Optional(Type.Union([Type.Literal('function_call'), Type.Literal('prompt'), Type.Null()])),
    instruction: Type.Optional(StringOrNull),
    memory: Type.Optional(Memory),
    vision: Type.Optional(Vision),
  }),
  outputs: (data) => ({ names: [...data.parameters.map((p) => p.name), '__is_success', '__reason', '__usage'] }),
  selectors: (data) => [{ path: '/query', selector: data.query }],
});
