import proxyAddr from '@fastify/proxy-addr';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { OrbitError } from '../../platform/errors.ts';
import type { Decision, RateLimiter } from '../../platform/ratelimit/index.ts';
import type { Principal } from '../types.ts';

export interface RateLimitPluginOptions {
  limiter: RateLimiter;
  /** Addresses or CIDRs of proxies whose X-Forwarded-For is believed (ORBIT_TRUSTED_PROXIES). */
  trustedProxies: string[];
}

/** Compiles the trusted-proxy list once, turning a bad entry into a message that names the setting. */
function compileTrust(list: string[]): (addr: string, i: number) => boolean {
  for (const entry of list) {
    try {
      proxyAddr.compile(entry);
    } catch (err) {
      throw new Error(
        `ORBIT_TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range (${(err as Error).message}). Example of a valid value: ORBIT_TRUSTED_PROXIES=10.0.0.1,192.168.0.0/16`,
      );
    }
  }
  return proxyAddr.compile(list);
}

/**
 * Who a request is counted as. A key and the tokens minted from it share one budget (the token's subject is the
 * key id), so switching between them does not double it. Without a key: the client's address.
 */
export function rateLimitIdentity(
  principal: Principal | undefined,
  request: FastifyRequest,
  trust: (addr: string, i: number) => boolean,
): string {
  if (principal && (principal.kind === 'api_key' || principal.kind === 'jwt')) return `key:${principal.id}`;
  // Walks X-Forwarded-For from the nearest hop and stops at the first address that is not a trusted proxy.
  return `ip:${proxyAddr(request.raw, trust)}`;
}

function setHeaders(reply: FastifyReply, d: Decision): void {
  const limit = String(d.limit);
  const remaining = String(d.remaining);
  const reset = String(d.resetSeconds);
  reply.header('ratelimit-limit', limit);
  reply.header('ratelimit-remaining', remaining);
  reply.header('ratelimit-reset', reset);
  reply.header('x-ratelimit-limit', limit);
  reply.header('x-ratelimit-remaining', remaining);
  reply.header('x-ratelimit-reset', reset);
}

/**
 * Limits every request except routes with `config.rateLimit === false` (health, metrics, docs). The base tier is
 * `anonymous` for callers without credentials and `authenticated` for everyone else (loopback `local` callers
 * included); a route's `config.rateLimit` tier is checked on top. Runs after the auth plugin's onRequest hook.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, opts: RateLimitPluginOptions) => {
    const trust = compileTrust(opts.trustedProxies);
    const { limiter } = opts;

    // A misspelt tier on a route would fail every request to it; fail at start-up instead.
    app.addHook('onRoute', (route) => {
      const tier = route.config?.rateLimit;
      if (typeof tier === 'string' && !Object.hasOwn(limiter.policy, tier)) {
        throw new Error(
          `route ${route.method} ${route.url} asks for rate-limit tier "${tier}", which the policy does not have (${Object.keys(limiter.policy).join(', ')})`,
        );
      }
    });

    const enforce = async (request: FastifyRequest, reply: FastifyReply, tiers: string[]) => {
      const principal = request.principal as Principal | undefined;
      const decision = await limiter.check(tiers, rateLimitIdentity(principal, request, trust));
      setHeaders(reply, decision);
      if (!decision.allowed) {
        const retryAfter = decision.retryAfterSeconds ?? decision.resetSeconds;
        reply.header('retry-after', String(retryAfter));
        throw new OrbitError(
          'rate-limited',
          429,
          `Too many requests: the "${decision.tier}" tier allows ${decision.limit} per ${windowText(decision.windowSeconds)}. Retry in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.`,
          { retryAfter },
        );
      }
    };

    app.addHook('onRequest', async (request, reply) => {
      const routeTier = request.routeOptions.config?.rateLimit;
      if (routeTier === false) return;
      const principal = request.principal as Principal | undefined;
      const tiers = [!principal || principal.kind === 'anonymous' ? 'anonymous' : 'authenticated'];
      if (typeof routeTier === 'string') tiers.push(routeTier);
      await enforce(request, reply, tiers);
    });

    // For limits that depend on the body (e.g. the run kind of POST /v1/runs): checks one more tier.
    app.decorateRequest('limitTier', async function (this: FastifyRequest, tier: string, reply: FastifyReply) {
      if (!Object.hasOwn(limiter.policy, tier)) throw new Error(`unknown rate-limit tier "${tier}"`);
      await enforce(this, reply, [tier]);
    });
  },
  { name: 'orbit-rate-limit', fastify: '5.x' },
);

/** "minute", "hour", "day" or "N seconds". */
function windowText(seconds: number): string {
  if (seconds === 60) return 'minute';
  if (seconds === 3600) return 'hour';
  if (seconds === 86_400) return 'day';
  return `${seconds} seconds`;
}
