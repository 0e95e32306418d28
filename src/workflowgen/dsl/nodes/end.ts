import { Type } from '@sinclair/typebox';
import { defineNode, nodeData, Selector } from './common.ts';

export const end = defineNode({
  type: 'end',
  role: 'terminal',
  modes: ['workflow'],
  schema: nodeData('end', {
    outputs: Type.Array(
      Type.Object(
        { variable: Type.String(), value_selector: Selector, value_type: Type.Optional(Type.String()) },
        { additionalProperties: true },
      ),
    ),
  }),
  outputs: () => ({ names: [] }),
});
