import { Type } from '@sinclair/typebox';
import { defineNode, nodeData, VariableSelectorPair } from './common.ts';

const OutputType = Type.Union(
  ['string', 'number', 'object', 'boolean', 'array[string]', 'array[number]', 'array[object]', 'array[boolean]'].map(
    (t) => Type.Literal(t),
  ),
);

export const code = defineNode({
  type: 'code',
  role: 'step',
  schema: nodeData('code', {
    variables: Type.Array(VariableSelectorPair),
    code_language: Type.Union([Type.Literal('python3'), Type.Literal('javascript')]),
    code: Type.String(),
    outputs: Type.Record(
      Type.String(),
      Type.Object(
        { type: OutputType, children: Type.Optional(Type.Union([Type.Null(), Type.Object({})])) },
        { additionalProperties: true },
      ),
    ),
    dependencies: Type.Optional(
      Type.Union([
        Type.Null(),
        Type.Array(Type.Object({ name: Type.String(), version: Type.Optional(Type.String()) })),
      ]),
    ),
  }),
  outputs: (data) => ({ names: Object.keys(data.outputs) }),
});
