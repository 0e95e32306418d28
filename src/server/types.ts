/**
 * Conventions every plugin and route shares. Routes declare their needs in `config`, never in code paths:
 *   fastify.get('/v1/runs/:id', { config: { auth: 'viewer', rateLimit: 'authenticated' } }, handler)
 */
export type Role = 'admin' | 'member' | 'viewer';

/** Who is calling. Set by the auth plugin on every request before any handler runs. */
export interface Principal {
  /** `api_key`: an API key; `jwt`: a bearer token minted from a key; `local`: a loopback-only server without keys; `anonymous`: no credentials. */
  kind: 'api_key' | 'jwt' | 'local' | 'anonymous';
  /** API key id (for `api_key` and `jwt`), `local`, or `anonymous`. */
  id: string;
  role: Role | null;
}

/** `public`: no credentials needed; otherwise the lowest role allowed. */
export type AuthRequirement = 'public' | Role;

import type { FastifyReply } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthRequirement;
    /** Extra rate-limit tier on top of the caller's base tier (e.g. `generation`, `validation`), or `false` to exempt. */
    rateLimit?: string | false;
  }
  interface FastifyRequest {
    principal: Principal;
    /** Checks one more rate-limit tier for this caller (set by the rate-limit plugin); throws a 429 when over. */
    limitTier(tier: string, reply: FastifyReply): Promise<void>;
  }
}
