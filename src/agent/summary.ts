/**
 * Where an agent run stands, folded from its event log: the phase it is in, what it waits for, its plan, its tests,
 * its branch and pull request. `GET /v1/agent/runs/:id` serves it; the log stays the only state.
 */
import { type InputRequest, openRequest, type RunEvent } from '../platform/runs/index.ts';
import type { Phase } from './conversation.ts';

export interface AgentSummary {
  /** The phase the run is in (`research`, `plan`, `implement`, `deliver`), or null before the agent has started. */
  phase: Phase | null;
  /** What the run asks of the user while it is `waiting`: a question or the plan to approve. */
  waitingFor: InputRequest | null;
  branch: string | null;
  baseBranch: string | null;
  testCommand: string | null;
  plan: { text: string; revision: number; approved: boolean } | null;
  /** Model answers so far (the step budget counts them). */
  modelSteps: number;
  toolCalls: { total: number; failed: number };
  questions: { question: string; answer: string | null }[];
  tests: { ok: boolean; round: number; command: string; summary: string } | null;
  /** The limit that stopped the run, with where its work was kept. */
  stopped: { limit: string; reason: string; pushed: boolean } | null;
}

const PHASES = new Set<string>(['research', 'plan', 'implement', 'deliver']);

export function summarize(events: readonly RunEvent[]): AgentSummary {
  const s: AgentSummary = {
    phase: null,
    waitingFor: null,
    branch: null,
    baseBranch: null,
    testCommand: null,
    plan: null,
    modelSteps: 0,
    toolCalls: { total: 0, failed: 0 },
    questions: [],
    tests: null,
    stopped: null,
  };
  const asked = new Map<string, { question: string; answer: string | null }>();
  for (const e of events) {
    const d = e.data;
    switch (e.type) {
      case 'agent.started':
        s.branch = String(d.branch ?? '') || null;
        s.baseBranch = String(d.baseBranch ?? '') || null;
        s.testCommand = typeof d.testCommand === 'string' ? d.testCommand : null;
        break;
      case 'agent.phase':
        if (PHASES.has(String(d.phase))) s.phase = d.phase as Phase;
        if (d.phase === 'implement' && s.plan) s.plan.approved = true;
        break;
      case 'agent.plan':
        s.plan = { text: String(d.plan ?? ''), revision: Number(d.revision ?? 1), approved: false };
        break;
      case 'agent.model':
        s.modelSteps += 1;
        break;
      case 'tool.result':
        s.toolCalls.total += 1;
        if (d.ok !== true) s.toolCalls.failed += 1;
        break;
      case 'input.requested':
        if (d.kind === 'question' && typeof d.key === 'string') {
          const q = { question: String(d.prompt ?? ''), answer: null };
          asked.set(d.key, q);
          s.questions.push(q);
        }
        break;
      case 'input.received': {
        const q = typeof d.key === 'string' ? asked.get(d.key) : undefined;
        if (q) q.answer = String(d.text ?? '');
        break;
      }
      case 'agent.tests':
        s.tests = {
          ok: d.ok === true,
          round: Number(d.round ?? 1),
          command: String(d.command ?? ''),
          summary: String(d.summary ?? ''),
        };
        break;
      case 'agent.stopped':
        s.stopped = { limit: String(d.limit ?? ''), reason: String(d.reason ?? ''), pushed: d.pushed === true };
        break;
    }
  }
  s.waitingFor = openRequest(events) ?? null;
  return s;
}
