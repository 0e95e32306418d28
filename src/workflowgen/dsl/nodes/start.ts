import { Type } from '@sinclair/typebox';
import { defineNode, nodeData } from './common.ts';

const InputType = Type.Union(
  [
    'text-input',
    'paragraph',
    'select',
    'number',
    'checkbox',
    'file',
    'file-list',
    'json_object',
    'external_data_tool',
  ].map((t) => Type.Literal(t)),
);

export const StartVariable = Type.Object(
  {
    variable: Type.String({ minLength: 1 }),
    label: Type.String(),
    type: InputType,
    required: Type.Optional(Type.Boolean()),
    hide: Type.Optional(Type.Boolean()),
    default: Type.Optional(Type.Unknown()),
    max_length: Type.Optional(Type.Union([Type.Integer(), Type.Null(), Type.String()])),
    options: Type.Optional(Type.Array(Type.String())),
    allowed_file_types: Type.Optional(Type.Array(Type.String())),
    allowed_file_extensions: Type.Optional(Type.Array(Type.String())),
    allowed_file_upload_methods: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: true },
);

const LEGACY_SYSTEM_OUTPUTS = ['sys.query', 'sys.files', 'sys.conversation_id', 'sys.user_id', 'sys.dialogue_count'];

export const start = defineNode({
  type: 'start',
  role: 'root',
  schema: nodeData('start', { variables: Type.Optional(Type.Array(StartVariable)) }),
  // older exports read system variables through the start node: [start_id, 'sys.query']
  outputs: (data) => ({ names: [...(data.variables ?? []).map((v) => v.variable), ...LEGACY_SYSTEM_OUTPUTS] }),
});
