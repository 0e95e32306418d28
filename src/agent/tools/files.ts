import fs from 'node:fs';
import path from 'node:path';
import { git } from '../../platform/git/index.ts';
import { relativeToWorkspace, resolveInside } from '../workspace/index.ts';
import { ToolError } from './define.ts';

/** Directories a walk never enters when the workspace is not a git repository. */
const WALK_SKIP = new Set(['.git', 'node_modules']);

/** Resolves a path the model gave inside the workspace (see resolveInside); the error is one it can act on. */
export function inWorkspace(root: string, userPath: string): string {
  try {
    return resolveInside(root, userPath);
  } catch (error) {
    throw new ToolError((error as Error).message);
  }
}

/**
 * Like inWorkspace, for a path the tool will write: `.git` is refused too, since Orbit's own git calls read its
 * config and hooks outside the sandbox (the sandbox also mounts it read-only for bash).
 */
export function writableInWorkspace(root: string, userPath: string): string {
  const absolute = inWorkspace(root, userPath);
  const rel = relativeToWorkspace(root, absolute);
  if (rel === '.git' || rel.startsWith('.git/')) {
    throw new ToolError(
      `The path "${userPath}" is inside .git, which the tools do not write: use the git tool (add, commit, branch) to change the repository's state.`,
    );
  }
  return absolute;
}

/**
 * Files under `dir` (absolute, inside the workspace), as workspace-relative POSIX paths: tracked and untracked but
 * not ignored files when the workspace is a git repository, else a walk skipping .git and node_modules. Symbolic
 * links whose target lies outside the workspace are left out.
 */
export async function listFiles(root: string, dir: string): Promise<string[]> {
  const rel = relativeToWorkspace(root, dir);
  let files: string[];
  const listed = await git(
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', rel === '.' ? '.' : rel],
    { cwd: root, okCodes: [128] },
  ).catch(() => undefined);
  if (listed && listed.exitCode === 0) {
    files = [...new Set(listed.stdout.split('\0').filter(Boolean))];
  } else {
    files = [];
    const visit = (abs: string) => {
      for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
        const full = path.join(abs, entry.name);
        if (entry.isDirectory()) {
          if (!WALK_SKIP.has(entry.name)) visit(full);
        } else files.push(relativeToWorkspace(root, full));
      }
    };
    if (fs.statSync(dir).isDirectory()) visit(dir);
    else files.push(rel);
  }
  const real = fs.realpathSync(root);
  return files.filter((f) => {
    const full = path.join(real, f);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(full);
    } catch {
      return false; // deleted in the work tree
    }
    if (!stat.isSymbolicLink()) return stat.isFile();
    try {
      return fs.statSync(resolveInside(real, f)).isFile();
    } catch {
      return false;
    }
  });
}

/** True when the first 8 KiB hold a NUL byte (git's own test). */
export function looksBinary(buffer: Buffer): boolean {
  return buffer.subarray(0, 8192).includes(0);
}
