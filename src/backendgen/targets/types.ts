/** The contract every generation target fulfils. */
import type { Plan } from '../plan/types.ts';

export interface GeneratedFile {
  path: string;
  content: string;
  executable?: boolean;
}

export interface GateStep {
  name: string;
  command: string;
  ok: boolean;
  durationMs: number;
  output: string;
  counts?: Record<string, number>;
}

export interface GateReport {
  target: string;
  ok: boolean;
  steps: GateStep[];
  durationMs: number;
}

export interface Target {
  name: 'fastapi' | 'fastify';
  title: string;
  files(plan: Plan): { path: string; purpose: string }[];
  generate(plan: Plan): GeneratedFile[];
  gate(projectDir: string, options: { signal?: AbortSignal; onStep?: (step: GateStep) => void }): Promise<GateReport>;
}
