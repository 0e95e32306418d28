import { prom, registry } from '../observability/metrics.ts';

export const decisionsTotal = new prom.Counter({
  name: 'orbit_ratelimit_decisions_total',
  help: 'Rate-limit decisions, by the tier of the binding window and outcome (allowed or denied).',
  labelNames: ['tier', 'outcome'] as const,
  registers: [registry],
});

export const backendInUse = new prom.Gauge({
  name: 'orbit_ratelimit_backend',
  help: 'Where rate-limit counters are kept right now: 1 for the backend in use (redis or memory), 0 for the other.',
  labelNames: ['backend'] as const,
  registers: [registry],
});

export const fallbacksTotal = new prom.Counter({
  name: 'orbit_ratelimit_fallbacks_total',
  help: 'Times Redis failed and rate limiting fell back to in-memory counters.',
  registers: [registry],
});

export function showBackend(backend: 'redis' | 'memory'): void {
  backendInUse.set({ backend: 'redis' }, backend === 'redis' ? 1 : 0);
  backendInUse.set({ backend: 'memory' }, backend === 'memory' ? 1 : 0);
}
