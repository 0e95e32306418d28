import { prom, registry } from '../observability/metrics.ts';

export const runMetrics = {
  submitted: new prom.Counter({
    name: 'orbit_runs_submitted_total',
    help: 'Runs accepted and queued, by kind.',
    labelNames: ['kind'],
    registers: [registry],
  }),
  started: new prom.Counter({
    name: 'orbit_runs_started_total',
    help: 'Run attempts started by a worker, by kind.',
    labelNames: ['kind'],
    registers: [registry],
  }),
  finished: new prom.Counter({
    name: 'orbit_runs_finished_total',
    help: 'Runs that reached a final status, by kind and status.',
    labelNames: ['kind', 'status'],
    registers: [registry],
  }),
  duration: new prom.Histogram({
    name: 'orbit_run_duration_seconds',
    help: 'Wall time of the final attempt of a run, by kind and final status.',
    labelNames: ['kind', 'status'],
    buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [registry],
  }),
  recovered: new prom.Counter({
    name: 'orbit_runs_recovered_total',
    help: 'Runs whose worker died and that were retried or failed by the dead-worker sweep.',
    labelNames: ['kind'],
    registers: [registry],
  }),
};
