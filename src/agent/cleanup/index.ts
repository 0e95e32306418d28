/**
 * Scheduled removal of finished agent runs' workspaces. Register with the platform scheduler:
 *   const job = createCleanupJob({ database, home: config.home, ...cleanupOptionsFromConfig(config) });
 *   await scheduler.register(job.name, job.cron, async () => { await job.runOnce(); });
 */
import type { Config } from '../../platform/config.ts';

export {
  CLEANUP_CRON,
  CLEANUP_SCHEDULE,
  type CleanupJob,
  type CleanupJobOptions,
  type CleanupOutcome,
  type CleanupReason,
  type CleanupRecord,
  createCleanupJob,
  DEFAULT_MIN_FREE_BYTES,
  DEFAULT_STALE_LOCK_MS,
  DEFAULT_WORKSPACE_TTL_MS,
  directoryBytes,
  LOCK_FILES,
} from './cleanup.ts';

/** The delay and the free-space threshold from ORBIT_AGENT_WORKSPACE_TTL_HOURS and ORBIT_AGENT_MIN_FREE_DISK_MB. */
export function cleanupOptionsFromConfig(config: Pick<Config, 'agentWorkspaceTtlHours' | 'agentMinFreeDiskMb'>): {
  delayMs: number;
  minFreeBytes: number;
} {
  return {
    delayMs: config.agentWorkspaceTtlHours * 3600 * 1000,
    minFreeBytes: config.agentMinFreeDiskMb * 1024 * 1024,
  };
}
