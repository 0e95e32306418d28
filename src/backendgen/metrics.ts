import { prom, registry } from '../platform/observability/metrics.ts';

export const backendMetrics = {
  generations: new prom.Counter({
    name: 'orbit_backend_generations_total',
    help: 'Backend generation runs by target and outcome (succeeded, invalid, gate_failed, failed).',
    labelNames: ['target', 'outcome'],
    registers: [registry],
  }),
  files: new prom.Counter({
    name: 'orbit_backend_generated_files_total',
    help: 'Files generated, by target.',
    labelNames: ['target'],
    registers: [registry],
  }),
  lines: new prom.Counter({
    name: 'orbit_backend_generated_lines_total',
    help: 'Lines of generated files, by target.',
    labelNames: ['target'],
    registers: [registry],
  }),
  gateDuration: new prom.Histogram({
    name: 'orbit_backend_gate_duration_seconds',
    help: 'Quality-gate wall time (install, lint, types, tests) by target and result.',
    labelNames: ['target', 'ok'],
    buckets: [5, 10, 20, 30, 60, 120, 300, 600],
    registers: [registry],
  }),
  validations: new prom.Counter({
    name: 'orbit_backend_validations_total',
    help: 'Model validations (API, CLI and runs) by result (valid, invalid).',
    labelNames: ['result'],
    registers: [registry],
  }),
};
