import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  type ApiKeyInfo,
  type ApiKeyStore,
  describeKey,
  InvalidTokenError,
  looksLikeApiKey,
  roleAllows,
  TokenExpiredError,
  verifyToken,
} from '../../platform/auth/index.ts';
import { OrbitError } from '../../platform/errors.ts';
import type { AuthRequirement, Principal } from '../types.ts';

export interface AuthPluginOptions {
  keys: ApiKeyStore;
  jwtSecret: Uint8Array | string;
  /**
   * Requests without credentials act as a local admin. The server sets this for a loopback-only bind without
   * ORBIT_REQUIRE_AUTH; even then a request only counts as local if it arrives from a loopback address and carries
   * no proxy forwarding header (a reverse proxy on the same machine must not turn the internet into an admin).
   */
  allowAnonymousLocal: boolean;
}

export const LOCAL_PRINCIPAL: Principal = Object.freeze({ kind: 'local', id: 'local', role: 'admin' });
export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({ kind: 'anonymous', id: 'anonymous', role: null });

const HOW_TO_AUTHENTICATE =
  'Send an API key as "Authorization: Bearer orbit_…" (or "X-API-Key"), or a token from POST /v1/auth/token. An admin creates keys with `orbit keys create` on the server machine.';

/** Credentials that were presented but rejected; kept so the enforcing hook (and the token route) can explain why. */
const failures = new WeakMap<FastifyRequest, OrbitError>();

/** Why the credentials on this request were rejected, if they were. */
export function credentialError(request: FastifyRequest): OrbitError | undefined {
  return failures.get(request);
}

export function unauthorized(detail: string): OrbitError {
  return new OrbitError('unauthorized', 401, detail);
}

/**
 * Throws a 401 with the RFC 6750 challenge: `error="invalid_token"` when credentials were sent but rejected.
 * Also used by the token route, which checks keys itself.
 */
export function rejectUnauthorized(reply: FastifyReply, error: OrbitError, credentialsSent: boolean): never {
  reply.header(
    'www-authenticate',
    credentialsSent ? 'Bearer realm="orbit", error="invalid_token"' : 'Bearer realm="orbit"',
  );
  throw error;
}

type Credential = { type: 'api_key'; value: string } | { type: 'jwt'; value: string };

/** The credential on a request; throws 401 for a header that is present but unusable. */
export function readCredential(request: FastifyRequest): Credential | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!m) {
      const scheme = header.split(/\s/, 1)[0] ?? '';
      throw unauthorized(
        `The Authorization header must be "Bearer <key or token>"${scheme && !/^bearer$/i.test(scheme) ? `; the "${scheme.slice(0, 20)}" scheme is not supported` : ''}. ${HOW_TO_AUTHENTICATE}`,
      );
    }
    const value = m[1] as string;
    return looksLikeApiKey(value) ? { type: 'api_key', value } : { type: 'jwt', value };
  }
  const apiKey = request.headers['x-api-key'];
  if (apiKey !== undefined) {
    const value = (Array.isArray(apiKey) ? apiKey[0] : apiKey)?.trim() ?? '';
    if (!looksLikeApiKey(value)) {
      throw unauthorized(`X-API-Key must hold an Orbit API key (orbit_…). ${HOW_TO_AUTHENTICATE}`);
    }
    return { type: 'api_key', value };
  }
  return undefined;
}

/** Checks an API key string; returns the key or throws a 401 that says what is wrong (never echoing the secret). */
export async function authenticateApiKey(keys: ApiKeyStore, secret: string): Promise<ApiKeyInfo> {
  const result = await keys.check(secret);
  switch (result.status) {
    case 'valid':
      return result.key;
    case 'malformed':
      throw unauthorized(
        'The API key is not in Orbit\'s format "orbit_<8-character prefix>_<secret>"; check that it was copied completely.',
      );
    case 'unknown':
      throw unauthorized(
        `The API key orbit_${result.prefix}_… is not valid on this server (unknown key or wrong secret). Check ORBIT_API_KEY or ask an admin for a key.`,
      );
    case 'revoked':
      throw unauthorized(
        `The API key ${result.key.prefix} ("${result.key.name}") was revoked at ${result.key.revokedAt}. Ask an admin for a new key (\`orbit keys create\`).`,
      );
  }
}

async function authenticateToken(opts: AuthPluginOptions, token: string): Promise<Principal> {
  let keyId: string;
  try {
    ({ keyId } = await verifyToken(opts.jwtSecret, token));
  } catch (err) {
    if (err instanceof TokenExpiredError) {
      throw unauthorized(
        `The bearer token expired${err.expiredAt ? ` at ${err.expiredAt.toISOString()}` : ''}. Exchange your API key for a new one with POST /v1/auth/token.`,
      );
    }
    if (err instanceof InvalidTokenError) {
      throw unauthorized(
        `The bearer token is not valid: ${err.reason}. ${describeKey(token) ? '' : HOW_TO_AUTHENTICATE}`.trim(),
      );
    }
    throw err;
  }
  // A token is only as good as its key: the key must still exist and not be revoked, and its current role applies.
  const key = await opts.keys.get(keyId);
  if (!key) {
    throw unauthorized('The bearer token belongs to an API key that no longer exists. Use a current API key.');
  }
  if (key.revokedAt) {
    throw unauthorized(
      `The bearer token was minted from API key ${key.prefix} ("${key.name}"), which was revoked at ${key.revokedAt}; tokens from it no longer work. Ask an admin for a new key.`,
    );
  }
  return { kind: 'jwt', id: key.id, role: key.role };
}

const LOOPBACK_PEER = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

function isLocalRequest(request: FastifyRequest): boolean {
  const h = request.headers;
  if (h.forwarded !== undefined || h['x-forwarded-for'] !== undefined || h['x-real-ip'] !== undefined) return false;
  return LOOPBACK_PEER.test(request.socket.remoteAddress ?? '');
}

async function resolvePrincipal(request: FastifyRequest, opts: AuthPluginOptions): Promise<Principal> {
  const credential = readCredential(request);
  if (!credential) return opts.allowAnonymousLocal && isLocalRequest(request) ? LOCAL_PRINCIPAL : ANONYMOUS_PRINCIPAL;
  if (credential.type === 'jwt') return authenticateToken(opts, credential.value);
  const key = await authenticateApiKey(opts.keys, credential.value);
  return { kind: 'api_key', id: key.id, role: key.role };
}

function requirementOf(request: FastifyRequest): AuthRequirement {
  return request.routeOptions.config?.auth ?? 'viewer';
}

function describePrincipal(p: Principal): string {
  if (p.kind === 'api_key') return `your API key has the ${p.role} role`;
  if (p.kind === 'jwt') return `your token (from API key ${p.id}) has the ${p.role} role`;
  return `you have the ${p.role ?? 'no'} role`;
}

/**
 * Who is calling, then whether they may. `onRequest` sets `request.principal` on every request (rejected
 * credentials leave it `anonymous`), so hooks after it — the rate limiter above all — see the caller and can slow
 * down guessing. `preParsing` enforces the route's `config.auth` before any body is read.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: AuthPluginOptions) => {
    app.decorateRequest('principal', null as unknown as Principal);

    app.addHook('onRequest', async (request) => {
      request.principal = ANONYMOUS_PRINCIPAL;
      try {
        request.principal = await resolvePrincipal(request, opts);
      } catch (err) {
        if (!(err instanceof OrbitError) || err.status !== 401) {
          // A dependency failure (database down) only matters where credentials are needed.
          if (requirementOf(request) !== 'public') throw err;
          request.log.warn({ err: (err as Error).message }, 'could not check credentials on a public route');
          return;
        }
        failures.set(request, err);
      }
    });

    app.addHook('preParsing', async (request, reply) => {
      const required = requirementOf(request);
      if (required === 'public') return;
      const failure = failures.get(request);
      if (failure) rejectUnauthorized(reply, failure, true);
      const principal = request.principal;
      if (principal.role === null) {
        rejectUnauthorized(reply, unauthorized(`This endpoint needs credentials. ${HOW_TO_AUTHENTICATE}`), false);
      }
      if (!roleAllows(principal.role, required)) {
        throw new OrbitError(
          'forbidden',
          403,
          `This needs the ${required} role or higher; ${describePrincipal(principal)}. Ask an admin for a key with the ${required} role.`,
          { requiredRole: required, role: principal.role },
        );
      }
    });
  },
  { name: 'orbit-auth', fastify: '5.x' },
);
