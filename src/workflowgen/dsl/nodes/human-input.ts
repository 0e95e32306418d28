import { Type } from '@sinclair/typebox';
import { defineNode, nodeData } from './common.ts';

const open = { additionalProperties: true } as const;

/** Pauses for a form; each user action id is a source handle. */
export const humanInput = defineNode({
  type: 'human-input',
  role: 'branch',
  schema: nodeData('human-input', {
    delivery_methods: Type.Optional(
      Type.Array(
        Type.Object(
          { type: Type.Union([Type.Literal('webapp'), Type.Literal('email')]), enabled: Type.Boolean() },
          open,
        ),
      ),
    ),
    form_content: Type.Optional(Type.String()),
    inputs: Type.Optional(Type.Array(Type.Object({ type: Type.String(), output_variable_name: Type.String() }, open))),
    user_actions: Type.Array(
      Type.Object(
        {
          id: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
          title: Type.String(),
          button_style: Type.Optional(
            Type.Union(['primary', 'default', 'accent', 'ghost'].map((s) => Type.Literal(s))),
          ),
        },
        open,
      ),
      { minItems: 1 },
    ),
    timeout: Type.Optional(Type.Integer({ minimum: 0 })),
    timeout_unit: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')])),
  }),
  outputs: (data) => ({ names: (data.inputs ?? []).map((i) => i.output_variable_name) }),
  handles: (data) => data.user_actions.map((a) => a.id),
  check: (data) => {
    const seen = new Set<string>();
    return (data.inputs ?? []).flatMap((input, i) => {
      const duplicate = seen.has(input.output_variable_name);
      seen.add(input.output_variable_name);
      return duplicate
        ? [
            {
              rule: 'node.invalid-data',
              path: `/inputs/${i}/output_variable_name`,
              message: `output variable name "${input.output_variable_name}" is used twice in this form; rename one`,
            },
          ]
        : [];
    });
  },
});
