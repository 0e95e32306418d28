import { type Static, Type } from '@sinclair/typebox';
import { NODE_SPECS } from '../dsl/index.ts';

/**
 * The shapes the agents ask the model for (structured output). They are kept small on purpose: the model writes
 * what carries meaning, Orbit fills in what an editor would (positions, edge ids, version), and the strict
 * validator, not these schemas, decides whether the result is a valid Dify app.
 */

/** Node types the generator may use: every built-in type except triggers and RAG-pipeline nodes. */
export const GENERATABLE_NODE_TYPES: readonly string[] = NODE_SPECS.map((s) => s.type).filter(
  (t) => !t.startsWith('trigger-') && t !== 'datasource' && t !== 'knowledge-index',
);

const NodeType = Type.String({ enum: [...GENERATABLE_NODE_TYPES] as string[] });

export const UnderstandingSchema = Type.Object(
  {
    summary: Type.String({ minLength: 1 }),
    inputs: Type.Array(
      Type.Object({
        name: Type.String({ minLength: 1 }),
        type: Type.String({ description: 'text, paragraph, number, select, file or file-list' }),
        description: Type.Optional(Type.String()),
        required: Type.Optional(Type.Boolean()),
      }),
    ),
    outputs: Type.Array(
      Type.Object({ name: Type.String({ minLength: 1 }), description: Type.Optional(Type.String()) }),
    ),
    steps: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    openQuestions: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type Understanding = Static<typeof UnderstandingSchema>;

export const DesignSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    description: Type.String(),
    nodes: Type.Array(
      Type.Object({
        id: Type.String({ minLength: 1 }),
        type: NodeType,
        title: Type.String(),
        purpose: Type.String(),
        parentId: Type.Optional(Type.String()),
      }),
      { minItems: 2 },
    ),
    edges: Type.Array(
      Type.Object({
        source: Type.String({ minLength: 1 }),
        target: Type.String({ minLength: 1 }),
        sourceHandle: Type.Optional(Type.String()),
      }),
    ),
    variables: Type.Array(
      Type.Object({
        name: Type.String({ minLength: 1 }),
        kind: Type.String({ enum: ['input', 'output', 'environment', 'conversation'] }),
        description: Type.Optional(Type.String()),
      }),
    ),
  },
  { additionalProperties: false },
);
export type Design = Static<typeof DesignSchema>;

const open = { additionalProperties: true } as const;

/** The DSL document as the model writes it: Dify's own shape, minus what an editor adds. */
export const DraftSchema = Type.Object(
  {
    app: Type.Object({ name: Type.String({ minLength: 1 }), description: Type.Optional(Type.String()) }, open),
    workflow: Type.Object(
      {
        graph: Type.Object(
          {
            nodes: Type.Array(
              Type.Object(
                {
                  id: Type.String({ pattern: '^[A-Za-z0-9_]{1,50}$' }),
                  parentId: Type.Optional(Type.String()),
                  data: Type.Object({ type: Type.String({ minLength: 1 }), title: Type.String() }, open),
                },
                open,
              ),
              { minItems: 1 },
            ),
            edges: Type.Array(
              Type.Object(
                {
                  source: Type.String({ minLength: 1 }),
                  target: Type.String({ minLength: 1 }),
                  sourceHandle: Type.Optional(Type.String()),
                },
                open,
              ),
            ),
          },
          open,
        ),
        environment_variables: Type.Optional(Type.Array(Type.Object({}, open))),
        conversation_variables: Type.Optional(Type.Array(Type.Object({}, open))),
      },
      open,
    ),
  },
  open,
);

/** `DraftSchema` as a type; written out because TypeBox's `Static` drops the open objects' index signatures. */
export interface DraftNode {
  id: string;
  parentId?: string;
  data: { type: string; title: string; [field: string]: unknown };
}
export interface DraftEdge {
  source: string;
  target: string;
  sourceHandle?: string;
}
export interface Draft {
  app: { name: string; description?: string; [field: string]: unknown };
  workflow: {
    graph: { nodes: DraftNode[]; edges: DraftEdge[] };
    environment_variables?: Record<string, unknown>[];
    conversation_variables?: Record<string, unknown>[];
    [field: string]: unknown;
  };
}
