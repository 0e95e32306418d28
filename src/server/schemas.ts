import { type TSchema, Type } from '@sinclair/typebox';
import { RUN_STATUSES } from '../platform/runs/index.ts';

/** Shared response schemas; they drive serialization and the OpenAPI document. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ format: 'uri' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String(),
    requestId: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ pointer: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem details' },
);

export const RunStatusSchema = Type.Union(
  RUN_STATUSES.map((s) => Type.Literal(s)),
  { description: 'queued → running → (waiting ⇄ running) → succeeded | failed | cancelled' },
);

export const RunSchema = Type.Object(
  {
    id: Type.String({ description: 'UUIDv7; sorts by creation time' }),
    kind: Type.String(),
    status: RunStatusSchema,
    input: Type.Unknown(),
    output: Type.Unknown(),
    error: Type.Union([Type.Object({ type: Type.String(), message: Type.String() }), Type.Null()]),
    owner: Type.String(),
    attempt: Type.Integer(),
    maxAttempts: Type.Integer(),
    usage: Type.Record(Type.String(), Type.Number()),
    createdAt: Type.String({ format: 'date-time' }),
    startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    updatedAt: Type.String({ format: 'date-time' }),
    links: Type.Object({ self: Type.String(), events: Type.String(), artifacts: Type.String() }),
  },
  { $id: 'Run' },
);

export const RunEventSchema = Type.Object(
  {
    runId: Type.String(),
    seq: Type.Integer({ minimum: 1 }),
    type: Type.String(),
    data: Type.Record(Type.String(), Type.Unknown()),
    at: Type.String({ format: 'date-time' }),
  },
  { $id: 'RunEvent' },
);

export const ArtifactSchema = Type.Object(
  {
    name: Type.String(),
    contentType: Type.String(),
    size: Type.Integer(),
    sha256: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    href: Type.String(),
  },
  { $id: 'Artifact' },
);

/** The error responses a route may give, all problem+json. */
export function problems(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref(ProblemSchema)]));
}
