import type { RunStatus } from './states.ts';

export interface RunError {
  /** Stable slug: `executor-error`, `timeout`, `invalid-result`, `worker-lost`, `cancelled`, … */
  type: string;
  message: string;
}

export interface Run {
  id: string;
  kind: string;
  status: RunStatus;
  input: unknown;
  output: unknown;
  error: RunError | null;
  owner: string;
  /** The worker executing it while running. */
  workerId: string | null;
  attempt: number;
  maxAttempts: number;
  usage: Record<string, number>;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

export interface RunEvent {
  runId: string;
  /** 1, 2, 3, … without gaps, per run. */
  seq: number;
  type: string;
  data: Record<string, unknown>;
  at: string;
}

export interface ArtifactInfo {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: string;
}
