import crypto from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { isRole, type Role } from './roles.ts';

/**
 * Short-lived bearer tokens minted from an API key: HS256 JWTs signed with the server's secret. The algorithm is
 * pinned on both sides (no `none`, no RS/HS confusion), and `exp`, `iat` and `sub` are required.
 */
const ALGORITHM = 'HS256';
const ISSUER = 'orbit';
const AUDIENCE = 'orbit-api';
/** Allowed clock difference between API nodes. */
const CLOCK_TOLERANCE_SECONDS = 5;
export const DEFAULT_TOKEN_TTL_SECONDS = 900;

export interface TokenClaims {
  /** The API key the token was minted from. */
  keyId: string;
  role: Role;
  issuedAt: Date;
  expiresAt: Date;
}

export class TokenExpiredError extends Error {
  constructor(readonly expiredAt: Date | null) {
    super(`token expired${expiredAt ? ` at ${expiredAt.toISOString()}` : ''}`);
    this.name = 'TokenExpiredError';
  }
}

export class InvalidTokenError extends Error {
  constructor(
    /** Why, in words safe to show the caller (never the token itself). */
    readonly reason: string,
  ) {
    super(`invalid token: ${reason}`);
    this.name = 'InvalidTokenError';
  }
}

function keyOf(secret: Uint8Array | string): Uint8Array {
  return typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
}

export async function issueToken(
  secret: Uint8Array | string,
  claims: { keyId: string; role: Role; ttlSeconds?: number },
): Promise<string> {
  const ttl = claims.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  if (!Number.isInteger(ttl)) throw new TypeError(`ttlSeconds must be a whole number, got ${ttl}`);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: claims.role })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(claims.keyId)
    .setJti(crypto.randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .sign(keyOf(secret));
}

/** The token's claims; throws TokenExpiredError or InvalidTokenError. */
export async function verifyToken(secret: Uint8Array | string, token: string): Promise<TokenClaims> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ['exp', 'iat', 'sub'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    if (!isRole(payload.role)) throw new InvalidTokenError('its role claim is missing or unknown');
    return {
      keyId: payload.sub as string,
      role: payload.role,
      issuedAt: new Date((payload.iat as number) * 1000),
      expiresAt: new Date((payload.exp as number) * 1000),
    };
  } catch (err) {
    throw translate(err);
  }
}

function translate(err: unknown): Error {
  if (err instanceof InvalidTokenError) return err;
  if (err instanceof errors.JWTExpired) {
    const exp = err.payload.exp;
    return new TokenExpiredError(typeof exp === 'number' ? new Date(exp * 1000) : null);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return new InvalidTokenError(`only ${ALGORITHM} tokens are accepted`);
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new InvalidTokenError('its signature does not match this server');
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    return new InvalidTokenError(`its "${err.claim}" claim is not acceptable (${err.reason})`);
  }
  if (err instanceof errors.JOSEError) return new InvalidTokenError('it is not a well-formed signed JWT');
  return err instanceof Error ? err : new Error(String(err));
}
