import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getHost } from './host.ts';
import { runSandboxed } from './run.ts';
import type { SandboxAvailability } from './types.ts';

let cached: Promise<SandboxAvailability> | undefined;

async function check(): Promise<SandboxAvailability> {
  const host = await getHost();
  if (typeof host === 'string') return { available: false, reason: host };
  // bwrap may be installed yet refused user namespaces (e.g. by an AppArmor policy): only a real run tells.
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-sandbox-probe-'));
  try {
    const result = await runSandboxed({ command: 'true', args: [], cwd: workspace, workspace, timeoutMs: 10_000 });
    if (result.exitCode !== 0) {
      return {
        available: false,
        reason: `a trial run failed (exit ${result.exitCode ?? result.signal}): ${result.stderr}`,
      };
    }
    return {
      available: true,
      version: host.version,
      limits: host.mode,
      ...(host.layout.socat ? { networkBridge: host.layout.socat } : {}),
    };
  } catch (error) {
    return { available: false, reason: (error as Error).message };
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

/** Whether sandboxed steps can run here, with the bubblewrap version and how limits are enforced, or why not. */
export function sandboxAvailable(): Promise<SandboxAvailability> {
  cached ??= check();
  return cached;
}
