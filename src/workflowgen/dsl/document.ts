import { type Static, Type } from '@sinclair/typebox';

const open = { additionalProperties: true } as const;

export const APP_MODES = ['workflow', 'advanced-chat', 'chat', 'agent-chat', 'completion', 'agent'] as const;

export const AppSchema = Type.Object(
  {
    name: Type.String(),
    mode: Type.Union(APP_MODES.map((m) => Type.Literal(m))),
    icon: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    icon_type: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    icon_background: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    use_icon_as_answer_icon: Type.Optional(Type.Boolean()),
  },
  open,
);

export const DependencySchema = Type.Object(
  {
    type: Type.Union([Type.Literal('marketplace'), Type.Literal('package'), Type.Literal('github')]),
    value: Type.Object({}, open),
    current_identifier: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  open,
);

export const EnvironmentVariableSchema = Type.Object(
  {
    id: Type.Optional(Type.String()),
    name: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,29}$' }),
    value_type: Type.Union([Type.Literal('string'), Type.Literal('number'), Type.Literal('secret')]),
    value: Type.Optional(Type.Unknown()),
    description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    selector: Type.Optional(Type.Array(Type.String())),
  },
  open,
);

export const ConversationVariableSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    name: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,29}$' }),
    value_type: Type.Union(
      [
        'string',
        'number',
        'integer',
        'float',
        'object',
        'boolean',
        'secret',
        'file',
        'array[string]',
        'array[number]',
        'array[object]',
        'array[boolean]',
        'array[file]',
        'array[any]',
      ].map((t) => Type.Literal(t)),
    ),
    value: Type.Optional(Type.Unknown()),
    description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    selector: Type.Optional(Type.Array(Type.String())),
  },
  open,
);

/** The React Flow wrapper; only `id` and `data.type` matter to the runtime, the node's own schema checks `data`. */
export const NodeWrapperSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    type: Type.Optional(Type.String()),
    parentId: Type.Optional(Type.String()),
    data: Type.Object({ type: Type.String() }, open),
  },
  open,
);

export const EdgeSchema = Type.Object(
  {
    id: Type.Optional(Type.String()),
    source: Type.String({ minLength: 1 }),
    target: Type.String({ minLength: 1 }),
    sourceHandle: Type.Optional(Type.String()),
    targetHandle: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    data: Type.Optional(Type.Object({}, open)),
  },
  open,
);

export const GraphSchema = Type.Object(
  {
    nodes: Type.Array(Type.Object({}, open)),
    edges: Type.Array(Type.Object({}, open)),
    viewport: Type.Optional(Type.Object({ x: Type.Number(), y: Type.Number(), zoom: Type.Number() }, open)),
  },
  open,
);

export const FeaturesSchema = Type.Object(
  {
    file_upload: Type.Optional(Type.Object({ enabled: Type.Optional(Type.Boolean()) }, open)),
    opening_statement: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    suggested_questions: Type.Optional(Type.Array(Type.String())),
    suggested_questions_after_answer: Type.Optional(Type.Object({ enabled: Type.Boolean() }, open)),
    speech_to_text: Type.Optional(Type.Object({ enabled: Type.Boolean() }, open)),
    text_to_speech: Type.Optional(Type.Object({ enabled: Type.Boolean() }, open)),
    retriever_resource: Type.Optional(Type.Object({ enabled: Type.Boolean() }, open)),
    sensitive_word_avoidance: Type.Optional(Type.Object({ enabled: Type.Boolean() }, open)),
  },
  open,
);

export const WorkflowSchema = Type.Object(
  {
    graph: GraphSchema,
    features: Type.Optional(FeaturesSchema),
    environment_variables: Type.Optional(Type.Array(EnvironmentVariableSchema)),
    conversation_variables: Type.Optional(Type.Array(ConversationVariableSchema)),
    rag_pipeline_variables: Type.Optional(Type.Array(Type.Unknown())),
  },
  open,
);

/** The top-level app document as Dify exports it. `version` and `kind` are checked separately (Dify defaults them). */
export const DslDocumentSchema = Type.Object(
  {
    version: Type.Optional(Type.Unknown()),
    kind: Type.Optional(Type.Unknown()),
    app: AppSchema,
    workflow: WorkflowSchema,
    dependencies: Type.Optional(Type.Array(DependencySchema)),
  },
  open,
);

export type DslDocument = Static<typeof DslDocumentSchema>;
export type DslNode = Static<typeof NodeWrapperSchema>;
export type DslEdge = Static<typeof EdgeSchema>;
