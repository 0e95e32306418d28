import { Type } from '@sinclair/typebox';
import { defineNode, nodeData, Selector, type SelectorRef } from './common.ts';

export const variableAggregator = defineNode({
  type: 'variable-aggregator',
  // 'variable-assigner' is the legacy type string of the same node
  aliases: ['variable-assigner'],
  role: 'step',
  schema: nodeData(['variable-aggregator', 'variable-assigner'], {
    output_type: Type.String(),
    variables: Type.Array(Selector),
    advanced_settings: Type.Optional(
      Type.Union([
        Type.Null(),
        Type.Object(
          {
            group_enabled: Type.Boolean(),
            groups: Type.Array(
              Type.Object(
                { group_name: Type.String(), output_type: Type.String(), variables: Type.Array(Selector) },
                { additionalProperties: true },
              ),
            ),
          },
          { additionalProperties: true },
        ),
      ]),
    ),
  }),
  outputs: (data) => ({
    names: [
      'output',
      ...(data.advanced_settings?.group_enabled ? data.advanced_settings.groups.map((g) => g.group_name) : []),
    ],
  }),
  selectors: (data) => {
    const refs: SelectorRef[] = data.variables.map((selector, i) => ({ path: `/variables/${i}`, selector }));
    if (data.advanced_settings?.group_enabled) {
      data.advanced_settings.groups.forEach((g, gi) => {
        g.variables.forEach((selector, i) => {
          refs.push({ path: `/advanced_settings/groups/${gi}/variables/${i}`, selector });
        });
      });
    }
    return refs;
  },
});
