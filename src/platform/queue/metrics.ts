import { prom, registry } from '../observability/metrics.ts';

export const queueMetrics = {
  processed: new prom.Counter({
    name: 'orbit_queue_jobs_processed_total',
    help: 'Job attempts handled by this process, by queue and outcome (completed, failed).',
    labelNames: ['queue', 'outcome'],
    registers: [registry],
  }),
  duration: new prom.Histogram({
    name: 'orbit_queue_job_duration_seconds',
    help: 'Wall time of one job attempt in its handler, by queue.',
    labelNames: ['queue'],
    buckets: [0.005, 0.05, 0.25, 1, 5, 30, 120, 600],
    registers: [registry],
  }),
};

const depthSources = new Map<string, () => Promise<number>>();

/** Jobs waiting per queue, read from the database when Prometheus scrapes (so every API node reports it). */
export const queueDepth = new prom.Gauge({
  name: 'orbit_queue_depth',
  help: 'Jobs waiting (created or retrying) in a queue, read at scrape time.',
  labelNames: ['queue'],
  registers: [registry],
  async collect() {
    this.reset();
    for (const [queue, depth] of depthSources) {
      try {
        this.set({ queue }, await depth());
      } catch {
        // Database unreachable: report nothing rather than a wrong zero.
      }
    }
  },
});

export function trackQueueDepth(queue: string, depth: () => Promise<number>): void {
  depthSources.set(queue, depth);
}
