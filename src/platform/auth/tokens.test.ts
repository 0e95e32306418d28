import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { InvalidTokenError, issueToken, TokenExpiredError, verifyToken } from './tokens.ts';

const secret = new Uint8Array(crypto.randomBytes(32));
const keyId = '0190aaaa-0000-7000-8000-000000000001';

async function expectInvalid(token: string, reason: RegExp) {
  const err = await verifyToken(secret, token).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidTokenError);
  expect((err as InvalidTokenError).reason).toMatch(reason);
}

describe('tokens', () => {
  it('round-trips key id and role with a 15-minute default lifetime', async () => {
    const token = await issueToken(secret, { keyId, role: 'member' });
    const claims = await verifyToken(secret, token);
    expect(claims).toMatchObject({ keyId, role: 'member' });
    expect((claims.expiresAt.getTime() - claims.issuedAt.getTime()) / 1000).toBe(900);
  });

  it('accepts a string secret the same way', async () => {
    const s = 'a-long-random-string-of-at-least-32-chars';
    expect((await verifyToken(s, await issueToken(s, { keyId, role: 'viewer' }))).role).toBe('viewer');
  });

  it('reports an expired token as expired, with when', async () => {
    const token = await issueToken(secret, { keyId, role: 'admin', ttlSeconds: -60 });
    const err = await verifyToken(secret, token).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenExpiredError);
    expect((err as TokenExpiredError).expiredAt?.getTime()).toBeLessThan(Date.now() - 50_000);
  });

  it('rejects another secret, another algorithm, alg none, missing exp, unknown role and garbage', async () => {
    await expectInvalid(await issueToken(new Uint8Array(32), { keyId, role: 'admin' }), /signature/);
    const now = Math.floor(Date.now() / 1000);
    const claims = { role: 'admin', sub: keyId, iss: 'orbit', aud: 'orbit-api', iat: now, exp: now + 60 };
    await expectInvalid(await new SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).sign(secret), /only HS256/);
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    await expectInvalid(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`, /only HS256|well-formed/);
    const { exp: _exp, ...noExp } = claims;
    await expectInvalid(await new SignJWT(noExp).setProtectedHeader({ alg: 'HS256' }).sign(secret), /"exp"/);
    await expectInvalid(
      await new SignJWT({ ...claims, role: 'root' }).setProtectedHeader({ alg: 'HS256' }).sign(secret),
      /role/,
    );
    await expectInvalid(
      await new SignJWT({ ...claims, aud: 'other' }).setProtectedHeader({ alg: 'HS256' }).sign(secret),
      /"aud"/,
    );
    await expectInvalid('not.a.jwt', /well-formed/);
  });
});
