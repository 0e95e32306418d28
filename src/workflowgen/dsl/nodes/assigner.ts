import { Type } from '@sinclair/typebox';
import { defineNode, nodeData, Selector, type SelectorRef } from './common.ts';

const Operation = Type.Union(
  [
    'over-write',
    'overwrite',
    'clear',
    'append',
    'extend',
    'set',
    '+=',
    '-=',
    '*=',
    '/=',
    'remove-first',
    'remove-last',
  ].map((op) => Type.Literal(op)),
);

/** v2 (`version: '2'`) writes `items[]`; v1 (0.1.x) writes one `assigned_variable_selector`. */
export const assigner = defineNode({
  type: 'assigner',
  role: 'step',
  schema: nodeData('assigner', {
    items: Type.Optional(
      Type.Array(
        Type.Object(
          {
            variable_selector: Selector,
            input_type: Type.Union([Type.Literal('variable'), Type.Literal('constant')]),
            operation: Operation,
            value: Type.Optional(Type.Unknown()),
          },
          { additionalProperties: true },
        ),
      ),
    ),
    assigned_variable_selector: Type.Optional(Selector),
    write_mode: Type.Optional(Type.Union([Type.Literal('over-write'), Type.Literal('append'), Type.Literal('clear')])),
    input_variable_selector: Type.Optional(Selector),
  }),
  outputs: () => ({ names: [] }),
  selectors: (data) => {
    const refs: SelectorRef[] = [];
    (data.items ?? []).forEach((item, i) => {
      const value = item.value;
      if (item.input_type === 'variable' && Array.isArray(value) && value.every((s) => typeof s === 'string')) {
        refs.push({ path: `/items/${i}/value`, selector: value });
      }
    });
    return refs;
  },
});
