/**
 * The data model a user writes (JSON), as a TypeBox schema: one source gives the TypeScript types, the structural
 * validation and the JSON Schema that `orbit backend schema` publishes for editors. Semantic checks (references,
 * reserved words, cycles, limits) live in the validator.
 */
import { type Static, Type } from '@sinclair/typebox';

export const IDENTIFIER_PATTERN = '^[a-z][a-z0-9_]*$';
const Identifier = (description: string) =>
  Type.String({ pattern: IDENTIFIER_PATTERN, minLength: 1, maxLength: 63, description });
const StableId = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 64,
    pattern: '^[A-Za-z0-9_.:-]+$',
    description: 'A stable identifier that survives renames (used when a model evolves).',
  }),
);
const Description = Type.Optional(Type.String({ maxLength: 2000 }));

export const COLUMN_TYPES = [
  'string',
  'text',
  'integer',
  'bigint',
  'decimal',
  'boolean',
  'date',
  'datetime',
  'uuid',
  'json',
  'enum',
] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export const ON_DELETE = ['cascade', 'set-null', 'restrict'] as const;
export type OnDelete = (typeof ON_DELETE)[number];

export const CheckSchema = Type.Object(
  {
    min: Type.Optional(Type.Number({ description: 'Smallest allowed value (numbers).' })),
    max: Type.Optional(Type.Number({ description: 'Largest allowed value (numbers).' })),
    minLength: Type.Optional(Type.Integer({ minimum: 0, description: 'Shortest allowed text.' })),
    maxLength: Type.Optional(Type.Integer({ minimum: 1, description: 'Longest allowed text.' })),
    pattern: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: 'Regular expression the text must match.' }),
    ),
  },
  { additionalProperties: false },
);

export const ColumnSchema = Type.Object(
  {
    id: StableId,
    name: Identifier('Column name, snake_case.'),
    type: Type.Union(
      COLUMN_TYPES.map((t) => Type.Literal(t)),
      {
        description:
          'string, text, integer, bigint, decimal, boolean, date, datetime (with time zone), uuid, json, enum',
      },
    ),
    length: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10485760, description: 'string: maximum length (default 255).' }),
    ),
    precision: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'decimal: total digits.' })),
    scale: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'decimal: digits after the point.' })),
    values: Type.Optional(
      Type.Array(Identifier('An enum value.'), {
        minItems: 1,
        maxItems: 200,
        uniqueItems: true,
        description: 'enum: the allowed values.',
      }),
    ),
    nullable: Type.Optional(Type.Boolean({ description: 'Default false.' })),
    unique: Type.Optional(Type.Boolean()),
    index: Type.Optional(Type.Boolean()),
    default: Type.Optional(
      Type.Unknown({ description: 'A value of the column type; "now" for datetime/date, "random" for uuid.' }),
    ),
    check: Type.Optional(CheckSchema),
    description: Description,
  },
  { additionalProperties: false },
);

export const PrimaryKeySchema = Type.Object(
  {
    name: Identifier('Primary key column name (default id).'),
    type: Type.Union([Type.Literal('integer'), Type.Literal('uuid')]),
  },
  { additionalProperties: false },
);

export const TableSchema = Type.Object(
  {
    id: StableId,
    name: Identifier('Table name, plural snake_case (users, order_items).'),
    className: Type.Optional(
      Type.String({
        pattern: '^[A-Z][A-Za-z0-9]*$',
        maxLength: 63,
        description: 'Class name (default: singular PascalCase).',
      }),
    ),
    description: Description,
    primaryKey: Type.Optional(PrimaryKeySchema),
    columns: Type.Array(ColumnSchema, { maxItems: 1000 }),
  },
  { additionalProperties: false },
);

export const JoinTableSchema = Type.Object(
  {
    name: Type.Optional(Identifier('Join table name (default parent_child).')),
    columns: Type.Optional(Type.Array(ColumnSchema, { maxItems: 100 })),
  },
  { additionalProperties: false },
);

export const RelationshipSchema = Type.Object(
  {
    id: StableId,
    kind: Type.Union([Type.Literal('one-to-many'), Type.Literal('one-to-one'), Type.Literal('many-to-many')]),
    parent: Identifier('The "one" side (referenced table); for many-to-many, the first side.'),
    child: Identifier('The side holding the foreign key; for many-to-many, the second side.'),
    foreignKey: Type.Optional(Identifier('FK column on the child (default <singular parent>_id).')),
    parentField: Type.Optional(Identifier('Attribute on the child that leads to the parent.')),
    childField: Type.Optional(Identifier('Attribute on the parent that leads to the child(ren).')),
    required: Type.Optional(Type.Boolean({ description: 'The foreign key is NOT NULL (default false).' })),
    onDelete: Type.Optional(
      Type.Union(
        ON_DELETE.map((o) => Type.Literal(o)),
        { description: 'Default: restrict when required, else set-null.' },
      ),
    ),
    joinTable: Type.Optional(JoinTableSchema),
    description: Description,
  },
  { additionalProperties: false },
);

export const ModelSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    name: Identifier('Project name (Python package and npm name are derived from it).'),
    description: Description,
    tables: Type.Array(TableSchema, { maxItems: 10000 }),
    relationships: Type.Optional(Type.Array(RelationshipSchema, { maxItems: 100000 })),
  },
  {
    additionalProperties: false,
    $id: 'https://orbit.dev/schemas/backend-model.json',
    title: 'Orbit backend data model',
  },
);

export type Column = Static<typeof ColumnSchema>;
export type Table = Static<typeof TableSchema>;
export type Relationship = Static<typeof RelationshipSchema>;
export type Model = Static<typeof ModelSchema>;
