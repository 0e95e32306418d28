/**
 * Where an analysis reads a repository from: a server path inside the allowed roots, or a git URL cloned into a
 * scratch directory with a time and size limit. Both are checked before a run is created (admit) and again when
 * it starts, since the file system may have changed in between.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OrbitError } from '../platform/errors.ts';
import { checkGitUrl, resolveAllowedPath } from '../platform/git/index.ts';

export { checkGitUrl, resolveAllowedPath };

export type AnalysisSource = { path: string } | { gitUrl: string; ref?: string };

export interface SourcePolicy {
  /** Absolute directories a path (or a file:// URL) must resolve inside. Empty: no server paths at all. */
  allowedRoots: readonly string[];
  /** Largest checkout a clone may grow to. */
  maxRepoBytes: number;
  cloneTimeoutMs?: number;
}

export const DEFAULT_CLONE_TIMEOUT_MS = 5 * 60_000;

function directoryBytes(dir: string): number {
  let total = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const full = path.join(current, e.name);
      if (e.isDirectory()) stack.push(full);
      else if (e.isFile()) total += fs.statSync(full, { throwIfNoEntry: false })?.size ?? 0;
    }
  }
  return total;
}

export class CloneError extends OrbitError {
  constructor(detail: string) {
    super('clone-failed', 422, detail);
  }
}

/**
 * Clones `url` (shallow, one branch, no hooks, only network transports plus file://) into a new scratch
 * directory and returns it. Stops and removes the clone when it passes the size or time limit.
 */
export async function cloneRepository(
  url: string,
  options: { ref?: string; maxRepoBytes: number; timeoutMs?: number; signal?: AbortSignal },
): Promise<{ dir: string; remove(): void }> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-clone-'));
  const dir = path.join(scratch, 'repo');
  const remove = () => fs.rmSync(scratch, { recursive: true, force: true });
  const args = [
    '-c',
    'core.hooksPath=/dev/null',
    '-c',
    'protocol.allow=never',
    ...['https', 'http', 'ssh', 'git', 'file'].flatMap((p) => ['-c', `protocol.${p}.allow=always`]),
    'clone',
    '--depth=1',
    '--single-branch',
    '--no-tags',
    ...(options.ref ? ['--branch', options.ref] : []),
    '--',
    url,
    dir,
  ];
  const timeoutMs = options.timeoutMs ?? DEFAULT_CLONE_TIMEOUT_MS;
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('git', args, {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', GIT_LFS_SKIP_SMUDGE: '1' },
      });
      let stderr = '';
      let stopped: string | undefined;
      const stop = (why: string) => {
        stopped ??= why;
        child.kill('SIGKILL');
      };
      child.stderr.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4000);
      });
      const timer = setTimeout(() => stop(`the clone took longer than ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
      const sizer = setInterval(() => {
        if (directoryBytes(scratch) > options.maxRepoBytes) {
          stop(`the checkout grew past ${Math.round(options.maxRepoBytes / 1e6)} MB (ORBIT_ANALYSIS_MAX_REPO_MB)`);
        }
      }, 500);
      const onAbort = () => stop('the analysis was cancelled');
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (err) => reject(new CloneError(`git could not start: ${err.message}`)));
      child.on('close', (code) => {
        clearTimeout(timer);
        clearInterval(sizer);
        options.signal?.removeEventListener('abort', onAbort);
        if (stopped) reject(new CloneError(`Cloning ${url} stopped: ${stopped}.`));
        else if (code !== 0) {
          const reason = stderr.trim().split('\n').slice(-3).join(' ').replace(/\s+/g, ' ');
          reject(
            new CloneError(
              `Cloning ${url} failed (git exit ${code}): ${reason || 'no message'}. Check the URL and that the repository is public or reachable from the server.`,
            ),
          );
        } else resolve();
      });
    });
    if (directoryBytes(dir) > options.maxRepoBytes) {
      throw new CloneError(
        `Cloning ${url} stopped: the checkout is larger than ${Math.round(options.maxRepoBytes / 1e6)} MB (ORBIT_ANALYSIS_MAX_REPO_MB).`,
      );
    }
    return { dir, remove };
  } catch (err) {
    remove();
    throw err;
  }
}
