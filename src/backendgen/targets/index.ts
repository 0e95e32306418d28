import { fastapiTarget } from './fastapi/index.ts';
import { fastifyTarget } from './fastify/index.ts';
import type { Target } from './types.ts';

export type { GateReport, GateStep, GeneratedFile, Target } from './types.ts';

/** Every generation target, by name. */
export const TARGETS: Readonly<Record<Target['name'], Target>> = {
  fastapi: fastapiTarget,
  fastify: fastifyTarget,
};
export const TARGET_NAMES = Object.keys(TARGETS) as Target['name'][];
