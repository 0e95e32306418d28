import { Type } from '@sinclair/typebox';
import { defineNode, nodeData, Selector } from './common.ts';

const open = { additionalProperties: true } as const;

export const listOperator = defineNode({
  type: 'list-operator',
  role: 'step',
  schema: nodeData('list-operator', {
    variable: Selector,
    filter_by: Type.Object(
      { enabled: Type.Boolean(), conditions: Type.Optional(Type.Array(Type.Object({}, open))) },
      open,
    ),
    order_by: Type.Object(
      {
        enabled: Type.Boolean(),
        key: Type.Optional(Type.String()),
        value: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
      },
      open,
    ),
    limit: Type.Object({ enabled: Type.Boolean(), size: Type.Optional(Type.Integer({ minimum: 0 })) }, open),
    extract_by: Type.Optional(Type.Object({ enabled: Type.Boolean(), serial: Type.Optional(Type.String()) }, open)),
  }),
  outputs: () => ({ names: ['result', 'first_record', 'last_record'] }),
  selectors: (data) => [{ path: '/variable', selector: data.variable }],
});
