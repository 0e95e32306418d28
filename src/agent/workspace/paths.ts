import fs from 'node:fs';
import path from 'node:path';
import { OrbitError } from '../../platform/errors.ts';

/** A path the agent (or a user) gave that would leave the workspace. The message says why and what to do instead. */
export class PathOutsideWorkspaceError extends OrbitError {
  constructor(
    readonly requested: string,
    reason: string,
  ) {
    super(
      'path-outside-workspace',
      400,
      `The path "${requested}" is refused: ${reason}. Use a path relative to the workspace root (e.g. "src/index.ts"); every file the tools touch must stay inside the workspace.`,
    );
    this.name = 'PathOutsideWorkspaceError';
  }
}

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * Resolves `userPath` (relative to `root`, or absolute) to the real absolute path it names, refusing anything that
 * leaves the workspace: `..` past the root, an absolute path elsewhere, and symbolic links (in any component) whose
 * target lies outside. For a path that does not exist yet, the nearest existing ancestor is resolved through its
 * symlinks and must be inside; a dangling symlink is refused, since writing through it would create its target.
 * The answer names no symlink, so a caller that writes to it at once writes where it was checked.
 */
export function resolveInside(root: string, userPath: string): string {
  if (typeof userPath !== 'string' || userPath === '')
    throw new PathOutsideWorkspaceError(String(userPath), 'it is empty');
  if (userPath.includes('\0'))
    throw new PathOutsideWorkspaceError(userPath.replace(/\0/g, '\\0'), 'it contains a NUL byte');
  const realRoot = fs.realpathSync(root);
  let candidate: string;
  if (path.isAbsolute(userPath)) {
    // The workspace may be named by its real path or by the (possibly symlinked) path it was created under.
    const named = path.resolve(userPath);
    const givenRoot = path.resolve(root);
    if (inside(named, realRoot)) candidate = named;
    else if (inside(named, givenRoot)) candidate = path.join(realRoot, path.relative(givenRoot, named));
    else throw new PathOutsideWorkspaceError(userPath, `it is an absolute path outside the workspace ${realRoot}`);
  } else {
    candidate = path.resolve(realRoot, userPath);
    if (!inside(candidate, realRoot)) {
      throw new PathOutsideWorkspaceError(userPath, 'its ".." components lead outside the workspace');
    }
  }
  const rest: string[] = [];
  let current = candidate;
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(current);
    } catch {
      stat = undefined;
    }
    if (stat !== undefined) {
      let real: string;
      try {
        real = fs.realpathSync(current);
      } catch {
        throw new PathOutsideWorkspaceError(
          userPath,
          `"${path.relative(realRoot, current) || '.'}" is a symbolic link whose target does not exist`,
        );
      }
      if (!inside(real, realRoot)) {
        throw new PathOutsideWorkspaceError(
          userPath,
          `"${path.relative(realRoot, current)}" leads through a symbolic link to ${real}, outside the workspace`,
        );
      }
      return rest.length === 0 ? real : path.join(real, ...rest.reverse());
    }
    rest.push(path.basename(current));
    const parent = path.dirname(current);
    if (parent === current) throw new PathOutsideWorkspaceError(userPath, 'no part of it exists');
    current = parent;
  }
}

/** The workspace-relative POSIX form of an absolute path inside it (for messages and tool output). */
export function relativeToWorkspace(root: string, absolute: string): string {
  const rel = path.relative(fs.realpathSync(root), absolute);
  return rel === '' ? '.' : rel.split(path.sep).join('/');
}
