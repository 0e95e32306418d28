import { prom, registry } from '../platform/observability/metrics.ts';

export const workflowMetrics = {
  generations: new prom.Counter({
    name: 'orbit_workflow_generations_total',
    help: 'Workflow generation runs by outcome (succeeded, invalid, not_configured, failed) and mode (generate, edit).',
    labelNames: ['outcome', 'mode'],
    registers: [registry],
  }),
  repairRounds: new prom.Histogram({
    name: 'orbit_workflow_repair_rounds',
    help: 'Validation repair rounds a generation needed before its DSL was valid (or it gave up).',
    buckets: [0, 1, 2, 3, 4, 5],
    registers: [registry],
  }),
  validationErrors: new prom.Counter({
    name: 'orbit_workflow_validation_errors_total',
    help: 'Errors found by the DSL validator, by rule id, in validation requests and generation rounds.',
    labelNames: ['rule'],
    registers: [registry],
  }),
};

/** Counts a validation's errors by rule. */
export function countValidationErrors(errors: readonly { rule: string }[]): void {
  for (const e of errors) workflowMetrics.validationErrors.inc({ rule: e.rule });
}
