/**
 * Where an analysis reads a repository from: a server path inside the allowed roots, or a git URL cloned into a
 * scratch directory with a time and size limit. Both are checked before a run is created (admit) and again when
 * it starts, since the file system may have changed in between.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OrbitError, ValidationError } from '../platform/errors.ts';

export type AnalysisSource = { path: string } | { gitUrl: string; ref?: string };

export interface SourcePolicy {
  /** Absolute directories a path (or a file:// URL) must resolve inside. Empty: no server paths at all. */
  allowedRoots: readonly string[];
  /** Largest checkout a clone may grow to. */
  maxRepoBytes: number;
  cloneTimeoutMs?: number;
}

export const DEFAULT_CLONE_TIMEOUT_MS = 5 * 60_000;

function isInside(child: string, root: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function realRoots(roots: readonly string[]): string[] {
  return roots.flatMap((r) => {
    try {
      return [fs.realpathSync(r)];
    } catch {
      return [];
    }
  });
}

/** The real path of a server directory, or a 400/403 saying why it may not be read. */
export function resolveAllowedPath(requested: string, roots: readonly string[], pointer = '/input/path'): string {
  if (!path.isAbsolute(requested)) {
    throw new ValidationError(
      `The path "${requested}" is not absolute; give the repository's absolute path on the server.`,
      [{ pointer, message: 'must be an absolute path' }],
    );
  }
  if (requested.split(/[\\/]/).includes('..')) {
    throw new ValidationError(`The path "${requested}" contains "..": give the repository's direct absolute path.`, [
      { pointer, message: 'must not contain ".." segments' },
    ]);
  }
  if (roots.length === 0) {
    throw new OrbitError(
      'path-not-allowed',
      403,
      'This server analyses no server paths: set ORBIT_ALLOWED_ROOTS to the directories it may read, or send a gitUrl.',
      { errors: [{ pointer, message: 'no allowed roots are configured' }] },
    );
  }
  let real: string;
  try {
    real = fs.realpathSync(requested);
  } catch {
    throw new ValidationError(`The path "${requested}" does not exist on the server.`, [
      { pointer, message: 'does not exist' },
    ]);
  }
  // Compare real paths, so a symlink inside a root that points elsewhere does not pass.
  if (!realRoots(roots).some((root) => isInside(real, root))) {
    throw new OrbitError(
      'path-not-allowed',
      403,
      `The path "${requested}" is outside the allowed roots (${roots.join(', ')}); move the repository under one or add its directory to ORBIT_ALLOWED_ROOTS.`,
      { errors: [{ pointer, message: 'outside the allowed roots' }] },
    );
  }
  if (!fs.statSync(real).isDirectory()) {
    throw new ValidationError(`The path "${requested}" is not a directory.`, [
      { pointer, message: 'must be a directory' },
    ]);
  }
  return real;
}

const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/;

/** Refuses URLs git would treat as commands or options, and file:// outside the allowed roots. */
export function checkGitUrl(url: string, roots: readonly string[], pointer = '/input/gitUrl'): void {
  const refuse = (message: string): never => {
    throw new ValidationError(`The git URL "${url}" cannot be cloned: ${message}.`, [{ pointer, message }]);
  };
  if (url.startsWith('-')) refuse('it starts with "-"');
  if (/\s/.test(url)) refuse('it contains whitespace');
  if (SCP_LIKE.test(url)) return;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed) {
    refuse('use https://, ssh://, git:// or user@host:path');
    return;
  }
  if (parsed.protocol === 'file:') {
    resolveAllowedPath(decodeURIComponent(parsed.pathname), roots, pointer);
    return;
  }
  if (!['https:', 'http:', 'ssh:', 'git:'].includes(parsed.protocol)) {
    refuse(`the scheme ${parsed.protocol} is not allowed (https, http, ssh, git)`);
  }
}

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
