import { describe, expect, it } from 'vitest';
import { canTransition, RUN_STATUSES, type RunStatus } from './states.ts';

describe('run state machine', () => {
  const legal: [RunStatus, RunStatus][] = [
    ['queued', 'running'],
    ['queued', 'cancelled'],
    ['running', 'waiting'],
    ['waiting', 'running'],
    ['running', 'succeeded'],
    ['running', 'failed'],
    ['running', 'cancelled'],
    ['running', 'queued'],
    ['waiting', 'cancelled'],
    ['waiting', 'queued'],
  ];

  it('allows exactly the transitions of the architecture', () => {
    for (const from of RUN_STATUSES) {
      for (const to of RUN_STATUSES) {
        const expected =
          legal.some(([f, t]) => f === from && t === to) || (to === 'failed' && ['queued', 'waiting'].includes(from));
        expect(canTransition(from, to), `${from} → ${to}`).toBe(expected);
      }
    }
  });

  it('never leaves a final status', () => {
    for (const from of ['succeeded', 'failed', 'cancelled'] as const) {
      for (const to of RUN_STATUSES) expect(canTransition(from, to)).toBe(false);
    }
  });
});
