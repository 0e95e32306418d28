/**
 * The one way Orbit runs code it did not write (a repository's tests and tool plugins, an LLM's shell commands):
 * bubblewrap with no network (or a filtering proxy to listed hosts), writes only inside the workspace, and
 * time/CPU/memory/process/output limits.
 */
export { sandboxAvailable } from './available.ts';
export { INSTALL_HINT as SANDBOX_INSTALL_HINT, SOCAT_HINT } from './host.ts';
export { checkAllowHosts } from './network.ts';
export { runSandboxed } from './run.ts';
export type { KilledReason, LimitsMode, SandboxAvailability, SandboxOptions, SandboxResult } from './types.ts';
