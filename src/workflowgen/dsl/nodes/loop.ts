import { Type } from '@sinclair/typebox';
import { Condition, conditionProblems, defineNode, LogicalOperator, nodeData, type SelectorRef } from './common.ts';

const CodeValueType = Type.Union(
  ['string', 'number', 'object', 'boolean', 'array[string]', 'array[number]', 'array[object]', 'array[boolean]'].map(
    (t) => Type.Literal(t),
  ),
);

export const loop = defineNode({
  type: 'loop',
  role: 'container',
  schema: nodeData('loop', {
    start_node_id: Type.String({ minLength: 1 }),
    loop_count: Type.Integer({ minimum: 1 }),
    break_conditions: Type.Array(Condition),
    logical_operator: LogicalOperator,
    loop_variables: Type.Optional(
      Type.Array(
        Type.Object(
          {
            label: Type.String({ minLength: 1 }),
            var_type: CodeValueType,
            value_type: Type.Union([Type.Literal('variable'), Type.Literal('constant')]),
            value: Type.Optional(Type.Unknown()),
          },
          { additionalProperties: true },
        ),
      ),
    ),
  }),
  outputs: (data) => ({ names: [...(data.loop_variables ?? []).map((v) => v.label), 'loop_round'] }),
  check: (data) => conditionProblems(data.break_conditions, '/break_conditions'),
  selectors: (data) => {
    const refs: SelectorRef[] = [];
    (data.loop_variables ?? []).forEach((v, i) => {
      if (v.value_type === 'variable' && Array.isArray(v.value) && v.value.every((s) => typeof s === 'string')) {
        refs.push({ path: `/loop_variables/${i}/value`, selector: v.value });
      }
    });
    return refs;
  },
});

export const loopStart = defineNode({
  type: 'loop-start',
  role: 'container-start',
  container: 'loop',
  schema: nodeData('loop-start', {}),
  outputs: () => ({ names: [] }),
});

export const loopEnd = defineNode({
  type: 'loop-end',
  role: 'container-end',
  container: 'loop',
  schema: nodeData('loop-end', {}),
  outputs: () => ({ names: [] }),
});
