import { Type } from '@sinclair/typebox';
import { Condition, conditionProblems, defineNode, LogicalOperator, nodeData } from './common.ts';

export const ifElse = defineNode({
  type: 'if-else',
  role: 'branch',
  schema: nodeData('if-else', {
    cases: Type.Optional(
      Type.Array(
        Type.Object(
          {
            case_id: Type.String({ minLength: 1 }),
            logical_operator: LogicalOperator,
            conditions: Type.Array(Condition),
          },
          { additionalProperties: true },
        ),
      ),
    ),
    // deprecated single-case form (≤ 0.1.0), read as one case with id 'true' when `cases` is absent
    logical_operator: Type.Optional(LogicalOperator),
    conditions: Type.Optional(Type.Array(Condition)),
  }),
  outputs: () => ({ names: ['result', 'selected_case_id'] }),
  check: (data) => [
    ...conditionProblems(data.conditions, '/conditions'),
    ...(data.cases ?? []).flatMap((c, i) => conditionProblems(c.conditions, `/cases/${i}/conditions`)),
  ],
  handles: (data) => [...(data.cases ? data.cases.map((c) => c.case_id) : ['true']), 'false'],
});
