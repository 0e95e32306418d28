import crypto from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore, issueToken } from '../../platform/auth/index.ts';
import { type Database, openDatabase } from '../../platform/db/client.ts';
import { OrbitError } from '../../platform/errors.ts';
import type { Principal } from '../types.ts';
import { authPlugin } from './auth.ts';

const jwtSecret = new Uint8Array(crypto.randomBytes(32));
let database: Database;
let keys: ApiKeyStore;
const secrets: Record<'admin' | 'member' | 'viewer' | 'revoked', string> = {
  admin: '',
  member: '',
  viewer: '',
  revoked: '',
};
let revokedId = '';

/** The app's real error handler renders problem+json; this stand-in does the same for OrbitError. */
async function buildTestApp(allowAnonymousLocal: boolean) {
  const app = Fastify();
  const seen: { parsedBodies: number; principalsSeenLater: string[] } = { parsedBodies: 0, principalsSeenLater: [] };
  app.setErrorHandler((err, _request, reply) => {
    if (err instanceof OrbitError) {
      return reply
        .status(err.status)
        .type('application/problem+json')
        .send({ type: err.type, status: err.status, detail: err.detail, ...err.extra });
    }
    return reply.status(500).send({ detail: String(err) });
  });
  app.addContentTypeParser('application/x-probe', { parseAs: 'string' }, (_req, body, done) => {
    seen.parsedBodies++;
    done(null, body);
  });
  await app.register(authPlugin, { keys, jwtSecret, allowAnonymousLocal });
  // Stands for the rate limiter: an onRequest hook registered after auth must see who is calling.
  app.addHook('onRequest', async (request) => {
    seen.principalsSeenLater.push(request.principal.kind);
  });
  const whoami = async (request: { principal: Principal }) => request.principal;
  app.get('/open', { config: { auth: 'public' } }, whoami);
  app.get('/read', whoami);
  app.post('/start', { config: { auth: 'member' } }, whoami);
  app.get('/manage', { config: { auth: 'admin' } }, whoami);
  await app.ready();
  return { app, seen };
}

let app: FastifyInstance;
let seen: Awaited<ReturnType<typeof buildTestApp>>['seen'];

beforeAll(async () => {
  database = await openDatabase({ dataDir: 'memory://' });
  await database.migrate();
  keys = new ApiKeyStore(database);
  for (const role of ['admin', 'member', 'viewer'] as const)
    secrets[role] = (await keys.create({ name: role, role })).secret;
  const revoked = await keys.create({ name: 'gone', role: 'admin' });
  secrets.revoked = revoked.secret;
  revokedId = revoked.key.id;
  ({ app, seen } = await buildTestApp(false));
});
afterAll(async () => {
  await app.close();
  await database.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('auth plugin: credentials', () => {
  it('answers a request without credentials with 401 and a Bearer challenge', async () => {
    const r = await app.inject({ method: 'GET', url: '/read' });
    expect(r.statusCode).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="orbit"');
    expect(r.json()).toMatchObject({ type: 'unauthorized', detail: expect.stringMatching(/orbit keys create/) });
  });

  it('accepts a key as Bearer or X-API-Key and sets the principal', async () => {
    const a = await app.inject({ method: 'GET', url: '/read', headers: bearer(secrets.viewer) });
    expect(a.statusCode).toBe(200);
    expect(a.json()).toMatchObject({ kind: 'api_key', role: 'viewer' });
    const b = await app.inject({ method: 'GET', url: '/manage', headers: { 'x-api-key': secrets.admin } });
    expect(b.json()).toMatchObject({ kind: 'api_key', role: 'admin' });
  });

  it('rejects unknown, malformed and oddly-sent credentials with 401 and never echoes them', async () => {
    const wrong = `${secrets.viewer.slice(0, -4)}AAAA`;
    const cases: [Record<string, string>, RegExp][] = [
      [bearer(wrong), /not valid on this server/],
      [bearer('orbit_nope_nope'), /not in Orbit's format/],
      [{ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, /"Basic" scheme is not supported/],
      [{ 'x-api-key': 'sk-something-else' }, /X-API-Key must hold an Orbit API key/],
      [bearer('not-a-jwt'), /not a well-formed signed JWT/],
    ];
    for (const [headers, detail] of cases) {
      const r = await app.inject({ method: 'GET', url: '/read', headers });
      expect(r.statusCode, JSON.stringify(headers)).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer realm="orbit", error="invalid_token"');
      expect(r.json().detail).toMatch(detail);
      expect(r.body).not.toContain(wrong.split('_')[2]);
    }
  });

  it('tells a revoked key apart, and what to do', async () => {
    await keys.revoke(revokedId);
    const r = await app.inject({ method: 'GET', url: '/read', headers: bearer(secrets.revoked) });
    expect(r.statusCode).toBe(401);
    expect(r.json().detail).toMatch(/was revoked at .*Ask an admin for a new key/);
    expect(r.body).not.toContain(secrets.revoked);
  });

  it('accepts a valid token and rejects an expired one, one of another algorithm, and one of a revoked key', async () => {
    const viewer = await keys.verify(secrets.viewer);
    const token = await issueToken(jwtSecret, { keyId: viewer!.id, role: 'viewer' });
    const ok = await app.inject({ method: 'GET', url: '/read', headers: bearer(token) });
    expect(ok.json()).toEqual({ kind: 'jwt', id: viewer!.id, role: 'viewer' });

    const expired = await issueToken(jwtSecret, { keyId: viewer!.id, role: 'viewer', ttlSeconds: -60 });
    const e = await app.inject({ method: 'GET', url: '/read', headers: bearer(expired) });
    expect(e.statusCode).toBe(401);
    expect(e.json().detail).toMatch(/expired at .*POST \/v1\/auth\/token/);

    const now = Math.floor(Date.now() / 1000);
    const hs512 = await new SignJWT({ role: 'admin', sub: viewer!.id, iss: 'orbit', aud: 'orbit-api', iat: now })
      .setExpirationTime(now + 60)
      .setProtectedHeader({ alg: 'HS512' })
      .sign(jwtSecret);
    const w = await app.inject({ method: 'GET', url: '/read', headers: bearer(hs512) });
    expect(w.statusCode).toBe(401);
    expect(w.json().detail).toMatch(/only HS256/);

    const ofRevoked = await issueToken(jwtSecret, { keyId: revokedId, role: 'admin' });
    const r = await app.inject({ method: 'GET', url: '/read', headers: bearer(ofRevoked) });
    expect(r.statusCode).toBe(401);
    expect(r.json().detail).toMatch(/minted from API key .* which was revoked/);
  });

  it('takes the role from the key, not from the token', async () => {
    const viewer = await keys.verify(secrets.viewer);
    const claimsAdmin = await issueToken(jwtSecret, { keyId: viewer!.id, role: 'admin' });
    const r = await app.inject({ method: 'GET', url: '/manage', headers: bearer(claimsAdmin) });
    expect(r.statusCode).toBe(403);
  });
});

describe('auth plugin: roles', () => {
  it('refuses a viewer on a member route and a member on an admin route with 403 naming both roles', async () => {
    const v = await app.inject({ method: 'POST', url: '/start', headers: bearer(secrets.viewer) });
    expect(v.statusCode).toBe(403);
    expect(v.json()).toMatchObject({ type: 'forbidden', requiredRole: 'member', role: 'viewer' });
    expect(v.json().detail).toMatch(/needs the member role or higher; your API key has the viewer role/);
    const m = await app.inject({ method: 'GET', url: '/manage', headers: bearer(secrets.member) });
    expect(m.statusCode).toBe(403);
    expect(m.json().detail).toMatch(/needs the admin role .* member role/);
    expect((await app.inject({ method: 'POST', url: '/start', headers: bearer(secrets.member) })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/start', headers: bearer(secrets.admin) })).statusCode).toBe(200);
  });

  it('lets anyone reach a public route, ignoring bad credentials there', async () => {
    expect((await app.inject({ method: 'GET', url: '/open' })).json()).toMatchObject({ kind: 'anonymous', role: null });
    const r = await app.inject({ method: 'GET', url: '/open', headers: bearer('orbit_bad') });
    expect(r.statusCode).toBe(200);
    expect(r.json().kind).toBe('anonymous');
  });

  it('sets the principal before later onRequest hooks and rejects before the body is parsed', async () => {
    seen.principalsSeenLater.length = 0;
    const before = seen.parsedBodies;
    const r = await app.inject({
      method: 'POST',
      url: '/start',
      headers: { ...bearer(secrets.viewer), 'content-type': 'application/x-probe' },
      payload: 'x'.repeat(1000),
    });
    expect(r.statusCode).toBe(403);
    expect(seen.parsedBodies).toBe(before);
    await app.inject({ method: 'GET', url: '/read', headers: bearer('orbit_bad') });
    expect(seen.principalsSeenLater).toEqual(['api_key', 'anonymous']);
    await app.inject({
      method: 'POST',
      url: '/start',
      headers: { ...bearer(secrets.member), 'content-type': 'application/x-probe' },
      payload: 'ok',
    });
    expect(seen.parsedBodies).toBe(before + 1);
  });
});

describe('auth plugin: the local principal', () => {
  let local: FastifyInstance;
  beforeAll(async () => {
    local = (await buildTestApp(true)).app;
  });
  afterAll(() => local.close());

  it('makes a credential-less loopback request a local admin when allowed', async () => {
    for (const remoteAddress of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      const r = await local.inject({ method: 'GET', url: '/manage', remoteAddress });
      expect(r.statusCode, remoteAddress).toBe(200);
      expect(r.json()).toEqual({ kind: 'local', id: 'local', role: 'admin' });
    }
  });

  it('does not when not allowed, from another address, or through a proxy', async () => {
    expect((await app.inject({ method: 'GET', url: '/read', remoteAddress: '127.0.0.1' })).statusCode).toBe(401);
    expect((await local.inject({ method: 'GET', url: '/read', remoteAddress: '10.1.2.3' })).statusCode).toBe(401);
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      const r = await local.inject({ method: 'GET', url: '/read', headers: { [header]: '203.0.113.9' } });
      expect(r.statusCode, header).toBe(401);
    }
  });

  it('still checks credentials that are sent: a bad key is a 401, a viewer key stays a viewer', async () => {
    expect((await local.inject({ method: 'GET', url: '/read', headers: bearer('orbit_bad') })).statusCode).toBe(401);
    const r = await local.inject({ method: 'GET', url: '/manage', headers: bearer(secrets.viewer) });
    expect(r.statusCode).toBe(403);
  });
});
