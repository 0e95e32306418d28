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
