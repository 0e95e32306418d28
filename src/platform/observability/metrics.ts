import client from 'prom-client';

/**
 * The one Prometheus registry. Each module declares its own metrics next to its code with `registry` in
 * `registers`; `/metrics` serialises this registry.
 */
export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

export { client as prom };
