/** The run state machine of ARCHITECTURE.md: queued → running → (waiting ⇄ running) → succeeded | failed | cancelled. */
export const RUN_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

/**
 * Allowed predecessors of each status. `running → queued` is a retry; `waiting → queued` is an answer arriving;
 * `running → failed` also covers a dead worker.
 */
const FROM: Record<RunStatus, readonly RunStatus[]> = {
  queued: ['running', 'waiting'],
  running: ['queued', 'waiting'],
  waiting: ['running'],
  succeeded: ['running'],
  failed: ['queued', 'running', 'waiting'],
  cancelled: ['queued', 'running', 'waiting'],
};

export function allowedFrom(to: RunStatus): readonly RunStatus[] {
  return FROM[to];
}

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return FROM[to].includes(from);
}

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}
