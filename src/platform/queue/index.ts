export { trackQueueDepth } from './metrics.ts';
export { createJobQueue } from './pgboss-queue.ts';
export type { Job, JobQueue, JobQueueOptions, SendOptions, WorkOptions } from './types.ts';
