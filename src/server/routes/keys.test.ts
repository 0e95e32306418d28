import crypto from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore, verifyToken } from '../../platform/auth/index.ts';
import { type Database, openDatabase } from '../../platform/db/client.ts';
import { OrbitError } from '../../platform/errors.ts';
import { authPlugin } from '../plugins/auth.ts';
import { ProblemSchema } from '../schemas.ts';
import { validatorCompiler } from '../validation.ts';
import { keysRoutes } from './keys.ts';

const jwtSecret = new Uint8Array(crypto.randomBytes(32));
let database: Database;
let keys: ApiKeyStore;
let app: FastifyInstance;
let admin: string;
let member: string;
let viewer: string;

beforeAll(async () => {
  database = await openDatabase({ dataDir: 'memory://' });
  await database.migrate();
  keys = new ApiKeyStore(database);
  admin = (await keys.create({ name: 'admin', role: 'admin' })).secret;
  member = (await keys.create({ name: 'member', role: 'member' })).secret;
  viewer = (await keys.create({ name: 'viewer', role: 'viewer' })).secret;
  const server = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  server.setValidatorCompiler(validatorCompiler);
  server.addSchema(ProblemSchema);
  // Stand-in for the app's problem+json error handler (the routes' response schemas expect a whole problem).
  server.setErrorHandler((err, request, reply) => {
    const [status, type] =
      err instanceof OrbitError
        ? [err.status, err.type]
        : (err as { validation?: unknown }).validation
          ? [400, 'validation-failed']
          : [500, 'internal-error'];
    return reply.status(status).send({
      type: `https://orbit.dev/problems/${type}`,
      title: type,
      status,
      detail: err instanceof Error ? err.message : String(err),
      instance: request.url,
      requestId: request.id,
    });
  });
  await server.register(authPlugin, { keys, jwtSecret, allowAnonymousLocal: false });
  await server.register(keysRoutes, { keys, jwtSecret });
  server.get('/read', async (request) => request.principal);
  app = server as unknown as FastifyInstance;
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await database.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('/v1/keys', () => {
  it('creates a key for an admin and shows its secret only in that response', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/v1/keys',
      headers: bearer(admin),
      payload: { name: 'ci', role: 'member' },
    });
    expect(r.statusCode).toBe(201);
    expect(r.headers['cache-control']).toBe('no-store');
    const created = r.json();
    expect(created).toMatchObject({ name: 'ci', role: 'member', revokedAt: null, lastUsedAt: null });
    expect(created.secret).toMatch(new RegExp(`^orbit_${created.prefix}_`));
    expect(await keys.verify(created.secret)).toMatchObject({ id: created.id });

    const listed = await app.inject({ method: 'GET', url: '/v1/keys', headers: bearer(admin) });
    expect(listed.statusCode).toBe(200);
    expect(listed.json().keys.map((k: { id: string }) => k.id)).toContain(created.id);
    expect(listed.body).not.toContain(created.secret);
    expect(listed.body).not.toMatch(/secret|hash/i);
  });

  it('lets only admins manage keys', async () => {
    for (const key of [member, viewer]) {
      expect((await app.inject({ method: 'GET', url: '/v1/keys', headers: bearer(key) })).statusCode).toBe(403);
      const post = await app.inject({
        method: 'POST',
        url: '/v1/keys',
        headers: bearer(key),
        payload: { name: 'x', role: 'admin' },
      });
      expect(post.statusCode).toBe(403);
    }
    expect((await app.inject({ method: 'DELETE', url: '/v1/keys/whatever' })).statusCode).toBe(401);
  });

  it('validates the body strictly', async () => {
    for (const payload of [
      { name: 'x', role: 'root' },
      { name: 'x', role: 'viewer', secret: 'mine' },
      { name: '   ', role: 'viewer' },
      { role: 'viewer' },
    ]) {
      const r = await app.inject({ method: 'POST', url: '/v1/keys', headers: bearer(admin), payload });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
    }
  });

  it('revokes with 204, answers 404 for an unknown key, and the revoked key gets a 401 saying so', async () => {
    const { key, secret } = await keys.create({ name: 'temp', role: 'viewer' });
    expect((await app.inject({ method: 'GET', url: '/read', headers: bearer(secret) })).statusCode).toBe(200);
    const del = await app.inject({ method: 'DELETE', url: `/v1/keys/${key.id}`, headers: bearer(admin) });
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');
    const after = await app.inject({ method: 'GET', url: '/read', headers: bearer(secret) });
    expect(after.statusCode).toBe(401);
    expect(after.json().detail).toMatch(/revoked/);
    const missing = await app.inject({ method: 'DELETE', url: '/v1/keys/nosuchkey', headers: bearer(admin) });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().type).toBe('https://orbit.dev/problems/api-key-not-found');
  });
});

describe('/v1/auth/token', () => {
  it('exchanges a key in the header for a short-lived token that works in its place', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/auth/token', headers: bearer(viewer) });
    expect(r.statusCode).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    const body = r.json();
    expect(body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    const claims = await verifyToken(jwtSecret, body.token);
    expect(claims.role).toBe('viewer');
    const read = await app.inject({ method: 'GET', url: '/read', headers: bearer(body.token) });
    expect(read.json()).toMatchObject({ kind: 'jwt', role: 'viewer', id: claims.keyId });
  });

  it('accepts the key in the body or as X-API-Key, with a chosen lifetime', async () => {
    const a = await app.inject({ method: 'POST', url: '/v1/auth/token', payload: { apiKey: member, expiresIn: 60 } });
    expect(a.statusCode).toBe(200);
    expect(a.json().expiresIn).toBe(60);
    expect((await verifyToken(jwtSecret, a.json().token)).role).toBe('member');
    const b = await app.inject({ method: 'POST', url: '/v1/auth/token', headers: { 'x-api-key': admin } });
    expect((await verifyToken(jwtSecret, b.json().token)).role).toBe('admin');
  });

  it('refuses no key, a bad key, a revoked key, a token, two keys and an out-of-range lifetime', async () => {
    const none = await app.inject({ method: 'POST', url: '/v1/auth/token' });
    expect(none.statusCode).toBe(401);
    expect(none.json().detail).toMatch(/Send the API key to exchange/);
    const bad = await app.inject({ method: 'POST', url: '/v1/auth/token', headers: bearer('orbit_x') });
    expect(bad.statusCode).toBe(401);
    const badBody = await app.inject({ method: 'POST', url: '/v1/auth/token', payload: { apiKey: 'orbit_x' } });
    expect(badBody.statusCode).toBe(401);
    expect(badBody.headers['www-authenticate']).toMatch(/invalid_token/);

    const { secret } = await keys.create({ name: 'soon-gone', role: 'admin' });
    const token = (await app.inject({ method: 'POST', url: '/v1/auth/token', payload: { apiKey: secret } })).json()
      .token as string;
    await keys.revoke(secret.split('_')[1] as string);
    const revoked = await app.inject({ method: 'POST', url: '/v1/auth/token', payload: { apiKey: secret } });
    expect(revoked.json().detail).toMatch(/revoked/);
    expect((await app.inject({ method: 'GET', url: '/read', headers: bearer(token) })).statusCode).toBe(401);

    const live = (await app.inject({ method: 'POST', url: '/v1/auth/token', headers: bearer(viewer) })).json().token;
    const fromToken = await app.inject({ method: 'POST', url: '/v1/auth/token', headers: bearer(live) });
    expect(fromToken.statusCode).toBe(401);
    expect(fromToken.json().detail).toMatch(/cannot be exchanged for another token/);
    const both = await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      headers: bearer(viewer),
      payload: { apiKey: member },
    });
    expect(both.statusCode).toBe(401);
    expect(both.json().detail).toMatch(/not both/);
    const long = await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { apiKey: member, expiresIn: 86400 },
    });
    expect(long.statusCode).toBe(400);
  });
});
