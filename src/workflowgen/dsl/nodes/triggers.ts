import { Type } from '@sinclair/typebox';
import { defineNode, nodeData } from './common.ts';

const open = { additionalProperties: true } as const;

/** Entry nodes of trigger-based workflow apps; they replace the start node. */
export const triggerWebhook = defineNode({
  type: 'trigger-webhook',
  role: 'root',
  modes: ['workflow'],
  schema: nodeData('trigger-webhook', {
    method: Type.Optional(Type.String()),
    content_type: Type.Optional(Type.String()),
    headers: Type.Optional(Type.Array(Type.Object({ name: Type.String() }, open))),
    params: Type.Optional(Type.Array(Type.Object({ name: Type.String() }, open))),
    body: Type.Optional(Type.Array(Type.Object({ name: Type.String() }, open))),
    status_code: Type.Optional(Type.Integer()),
    response_body: Type.Optional(Type.String()),
    timeout: Type.Optional(Type.Number()),
  }),
  outputs: (data) => ({
    names: [...(data.headers ?? []), ...(data.params ?? []), ...(data.body ?? [])].map((f) => f.name),
    open: true,
  }),
});

export const triggerSchedule = defineNode({
  type: 'trigger-schedule',
  role: 'root',
  modes: ['workflow'],
  schema: nodeData('trigger-schedule', {
    mode: Type.Optional(Type.Union([Type.Literal('visual'), Type.Literal('cron')])),
    frequency: Type.Optional(Type.Union(['hourly', 'daily', 'weekly', 'monthly'].map((f) => Type.Literal(f)))),
    cron_expression: Type.Optional(Type.String()),
    visual_config: Type.Optional(Type.Unknown()),
    timezone: Type.Optional(Type.String()),
  }),
  outputs: () => ({ names: [], open: true }),
});

export const triggerPlugin = defineNode({
  type: 'trigger-plugin',
  role: 'root',
  modes: ['workflow'],
  schema: nodeData('trigger-plugin', {}),
  outputs: () => ({ names: [], open: true }),
});

/** RAG-pipeline nodes: valid only in pipelines, never in workflow or advanced-chat apps. */
export const datasource = defineNode({
  type: 'datasource',
  role: 'root',
  modes: [],
  schema: nodeData('datasource', {}),
  outputs: () => ({ names: [], open: true }),
});

export const knowledgeIndex = defineNode({
  type: 'knowledge-index',
  role: 'step',
  modes: [],
  schema: nodeData('knowledge-index', {}),
  outputs: () => ({ names: [] }),
});
