import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  type ApiKeyInfo,
  type ApiKeyStore,
  DEFAULT_TOKEN_TTL_SECONDS,
  issueToken,
  type Role,
} from '../../platform/auth/index.ts';
import { OrbitError } from '../../platform/errors.ts';
import { authenticateApiKey, credentialError, rejectUnauthorized, unauthorized } from '../plugins/auth.ts';
import { problems } from '../schemas.ts';

export interface KeysRoutesOptions {
  keys: ApiKeyStore;
  jwtSecret: Uint8Array | string;
}

const RoleSchema = Type.Union([Type.Literal('admin'), Type.Literal('member'), Type.Literal('viewer')], {
  description: 'admin: everything, keys included; member: start and cancel runs; viewer: read only',
});

const KeySchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    prefix: Type.String({ description: 'Public part of the key (orbit_<prefix>_…); use it to recognise or revoke it' }),
    role: RoleSchema,
    createdAt: Type.String({ format: 'date-time' }),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'Updated at most once a minute',
    }),
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
);

const CreatedKeySchema = Type.Object(
  {
    ...KeySchema.properties,
    secret: Type.String({ description: 'The full key. Shown only in this response: store it now.' }),
  },
  { additionalProperties: false },
);

const MIN_TOKEN_TTL = 60;
const MAX_TOKEN_TTL = 3600;

function present(key: ApiKeyInfo) {
  const { id, name, prefix, role, createdAt, lastUsedAt, revokedAt } = key;
  return { id, name, prefix, role, createdAt, lastUsedAt, revokedAt };
}

/** The key a token request is for: from the body or the headers, never both; a token cannot mint a token. */
async function keyToExchange(
  request: FastifyRequest,
  reply: FastifyReply,
  keys: ApiKeyStore,
): Promise<{ id: string; role: Role }> {
  const headerError = credentialError(request);
  if (headerError) rejectUnauthorized(reply, headerError, true);
  const { principal } = request;
  const bodyKey = (request.body as { apiKey?: string } | undefined)?.apiKey;
  if (bodyKey !== undefined) {
    if (principal.kind === 'api_key' || principal.kind === 'jwt') {
      rejectUnauthorized(reply, unauthorized('Send the API key either in a header or in the body, not both.'), true);
    }
    try {
      return await authenticateApiKey(keys, bodyKey);
    } catch (err) {
      if (err instanceof OrbitError && err.status === 401) rejectUnauthorized(reply, err, true);
      throw err;
    }
  }
  if (principal.kind === 'api_key' && principal.role) return { id: principal.id, role: principal.role };
  if (principal.kind === 'jwt') {
    rejectUnauthorized(
      reply,
      unauthorized('A token cannot be exchanged for another token; send the API key (orbit_…) instead.'),
      true,
    );
  }
  return rejectUnauthorized(
    reply,
    unauthorized(
      'Send the API key to exchange as "Authorization: Bearer orbit_…", as X-API-Key, or as {"apiKey": "orbit_…"} in the body.',
    ),
    false,
  );
}

/** API key management (admins) and the exchange of a key for a short-lived bearer token (anyone with a key). */
export const keysRoutes: FastifyPluginAsyncTypebox<KeysRoutesOptions> = async (app, opts) => {
  const { keys, jwtSecret } = opts;

  app.post(
    '/v1/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'Create an API key',
        description: 'The response holds the secret once; only its hash is stored, so it cannot be shown again.',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'What the key is for' }),
            role: RoleSchema,
          },
          { additionalProperties: false },
        ),
        response: { 201: CreatedKeySchema, ...problems(400, 401, 403, 413, 415, 429) },
      },
      config: { auth: 'admin' },
    },
    async (request, reply) => {
      const created = await keys.create(request.body);
      request.log.info(
        { keyId: created.key.id, prefix: created.key.prefix, role: created.key.role },
        'API key created',
      );
      reply.header('cache-control', 'no-store');
      return reply.status(201).send({ ...present(created.key), secret: created.secret });
    },
  );

  app.get(
    '/v1/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'List API keys',
        description: 'Every key, newest first, revoked ones included. Never their secrets.',
        response: { 200: Type.Object({ keys: Type.Array(KeySchema) }), ...problems(401, 403, 429) },
      },
      config: { auth: 'admin' },
    },
    async () => ({ keys: (await keys.list()).map(present) }),
  );

  app.delete(
    '/v1/keys/:id',
    {
      schema: {
        tags: ['keys'],
        summary: 'Revoke an API key',
        description: 'By id or prefix. Requests with the key, and tokens minted from it, fail from now on.',
        params: Type.Object(
          { id: Type.String({ minLength: 1, maxLength: 100, description: 'Key id or prefix' }) },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...problems(401, 403, 404, 429) },
      },
      config: { auth: 'admin' },
    },
    async (request, reply) => {
      const revoked = await keys.revoke(request.params.id);
      request.log.info({ keyId: revoked.id, prefix: revoked.prefix }, 'API key revoked');
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/auth/token',
    {
      schema: {
        tags: ['keys'],
        summary: 'Exchange an API key for a short-lived bearer token',
        description:
          'Send the key as "Authorization: Bearer orbit_…" (or X-API-Key), or as `apiKey` in the body. The token carries the key\'s role and stops working when the key is revoked.',
        body: Type.Optional(
          Type.Object(
            {
              apiKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
              expiresIn: Type.Optional(
                Type.Integer({
                  minimum: MIN_TOKEN_TTL,
                  maximum: MAX_TOKEN_TTL,
                  description: `Lifetime in seconds (default ${DEFAULT_TOKEN_TTL_SECONDS})`,
                }),
              ),
            },
            { additionalProperties: false },
          ),
        ),
        response: {
          200: Type.Object(
            {
              token: Type.String(),
              tokenType: Type.Literal('Bearer'),
              expiresIn: Type.Integer({ description: 'Seconds until the token expires' }),
            },
            { additionalProperties: false },
          ),
          ...problems(400, 401, 413, 415, 429),
        },
      },
      config: { auth: 'public' },
      // The body is optional (the key may come in a header); validate an absent one as {}.
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
    },
    async (request, reply) => {
      const key = await keyToExchange(request, reply, keys);
      const expiresIn = request.body?.expiresIn ?? DEFAULT_TOKEN_TTL_SECONDS;
      const token = await issueToken(jwtSecret, { keyId: key.id, role: key.role, ttlSeconds: expiresIn });
      reply.header('cache-control', 'no-store');
      return { token, tokenType: 'Bearer' as const, expiresIn };
    },
  );
};
