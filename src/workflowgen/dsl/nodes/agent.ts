import { Type } from '@sinclair/typebox';
import { compareVersions } from '../versions.ts';
import { defineNode, Memory, type NodeProblem, nodeData } from './common.ts';
import { variableInputSelectors } from './tool.ts';

const V1_REQUIRED = ['agent_strategy_provider_name', 'agent_strategy_name', 'agent_strategy_label', 'agent_parameters'];
const V2_REQUIRED = ['agent_node_kind', 'agent_binding', 'agent_job'];

/** Agent v1 runs a strategy plugin; agent v2 (`version: '2'`, DSL 0.7.0) references an agent package. */
export const agent = defineNode({
  type: 'agent',
  role: 'step',
  schema: nodeData('agent', {
    agent_strategy_provider_name: Type.Optional(Type.String({ minLength: 1 })),
    agent_strategy_name: Type.Optional(Type.String({ minLength: 1 })),
    agent_strategy_label: Type.Optional(Type.String()),
    agent_parameters: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object(
          {
            type: Type.Union([Type.Literal('mixed'), Type.Literal('variable'), Type.Literal('constant')]),
            value: Type.Unknown(),
          },
          { additionalProperties: true },
        ),
      ),
    ),
    memory: Type.Optional(Memory),
    reasoning_format: Type.Optional(Type.Union([Type.Literal('tagged'), Type.Literal('separated')])),
    tool_node_version: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    agent_node_kind: Type.Optional(Type.String()),
    agent_binding: Type.Optional(Type.Unknown()),
    agent_job: Type.Optional(Type.Unknown()),
  }),
  // the strategy plugin may add outputs through its output_schema
  outputs: () => ({ names: ['text', 'files', 'json', 'usage'], open: true }),
  selectors: (data) => variableInputSelectors(data.agent_parameters, '/agent_parameters'),
  check: (data, context) => {
    const problems: NodeProblem[] = [];
    const v2 = data.version === '2';
    if (v2 && compareVersions(context.dslVersion, '0.7.0') < 0) {
      problems.push({
        rule: 'node.version-unsupported',
        path: '/version',
        message: `agent v2 nodes exist from DSL 0.7.0; this document is ${context.dslVersion}: use an agent v1 node (agent_strategy_*) or target 0.7.0`,
      });
    }
    const record = data as Record<string, unknown>;
    for (const key of v2 ? V2_REQUIRED : V1_REQUIRED) {
      if (record[key] === undefined || record[key] === null) {
        problems.push({
          rule: 'node.invalid-data',
          path: `/${key}`,
          message: `agent ${v2 ? 'v2' : 'v1'} node needs \`${key}\``,
        });
      }
    }
    return problems;
  },
});
