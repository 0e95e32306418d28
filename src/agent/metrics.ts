import { prom, registry } from '../platform/observability/metrics.ts';

export const agentMetrics = {
  runs: new prom.Counter({
    name: 'orbit_agent_runs_total',
    help: 'Agent runs that ended in this process, by outcome (delivered, no-changes, budget_steps, budget_time, budget_cost).',
    labelNames: ['outcome'],
    registers: [registry],
  }),
  steps: new prom.Counter({
    name: 'orbit_agent_model_steps_total',
    help: 'Model calls of agent runs, by phase.',
    labelNames: ['phase'],
    registers: [registry],
  }),
  toolCalls: new prom.Counter({
    name: 'orbit_agent_tool_calls_total',
    help: 'Tool calls of agent runs, by tool and whether they succeeded (unknown: a tool that does not exist).',
    labelNames: ['tool', 'ok'],
    registers: [registry],
  }),
  questions: new prom.Counter({
    name: 'orbit_agent_questions_total',
    help: 'Questions agent runs asked their users (ask_user).',
    registers: [registry],
  }),
};
