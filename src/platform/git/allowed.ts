/**
 * Where a server may read a repository from: a directory inside the allowed roots (ORBIT_ALLOWED_ROOTS), or a git URL
 * whose scheme cannot run commands. Checked before a run is created and again when it starts, since the file system
 * may have changed in between. Used by every capability that takes a repository (analysis, agent).
 */
import fs from 'node:fs';
import path from 'node:path';
import { OrbitError, ValidationError } from '../errors.ts';

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
      'This server reads no repositories from its own disk: set ORBIT_ALLOWED_ROOTS to the directories it may read, or send a git URL.',
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
