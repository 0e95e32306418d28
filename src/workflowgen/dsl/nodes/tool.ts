import { Type } from '@sinclair/typebox';
import { escapePointer } from '../issues.ts';
import { defineNode, nodeData, type SelectorRef } from './common.ts';

/** `{type: mixed|variable|constant, value}`: `variable` holds a selector, `mixed` a template string. */
export const ToolInput = Type.Object(
  {
    type: Type.Union([Type.Literal('mixed'), Type.Literal('variable'), Type.Literal('constant')]),
    value: Type.Unknown(),
  },
  { additionalProperties: true },
);

/** Selectors held by `{type: 'variable', value: [...]}` inputs of a tool or agent node. */
export function variableInputSelectors(inputs: Record<string, unknown> | undefined, base: string): SelectorRef[] {
  const refs: SelectorRef[] = [];
  for (const [name, input] of Object.entries(inputs ?? {})) {
    if (!input || typeof input !== 'object') continue;
    const { type, value } = input as { type?: unknown; value?: unknown };
    if (type === 'variable' && Array.isArray(value) && value.every((s) => typeof s === 'string')) {
      refs.push({ path: `${base}/${escapePointer(name)}/value`, selector: value });
    }
  }
  return refs;
}

export const tool = defineNode({
  type: 'tool',
  role: 'step',
  schema: nodeData('tool', {
    provider_id: Type.String({ minLength: 1 }),
    provider_type: Type.Union(
      ['plugin', 'builtin', 'workflow', 'api', 'app', 'dataset-retrieval', 'mcp'].map((t) => Type.Literal(t)),
    ),
    provider_name: Type.String(),
    tool_name: Type.String({ minLength: 1 }),
    tool_label: Type.String(),
    tool_configurations: Type.Record(Type.String(), Type.Unknown()),
    tool_parameters: Type.Record(Type.String(), Type.Union([ToolInput, Type.Null()])),
    credential_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    plugin_unique_identifier: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    tool_node_version: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  }),
  // a tool declares its own outputs (beyond text/files/json) in the plugin, which a DSL file does not carry
  outputs: () => ({ names: ['text', 'files', 'json'], open: true }),
  selectors: (data) => variableInputSelectors(data.tool_parameters as Record<string, unknown>, '/tool_parameters'),
});
