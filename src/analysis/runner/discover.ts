import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;
/**
 * Directories a plain walk never enters: version control, installed dependencies and tool caches (a git
 * repository's own ignore rules cover the rest). Any directory holding a `pyvenv.cfg` is a virtual environment.
 */
const WALK_SKIP = new Set([
  '.git',
  'node_modules',
  '__pycache__',
  '.mypy_cache',
  '.ruff_cache',
  '.pytest_cache',
  '.tox',
  '.nox',
]);

export interface DiscoveredFile {
  /** Repo-relative POSIX path. */
  path: string;
  /** For shebang detection of scripts without an extension. */
  firstLine: string;
}

export interface SkippedFile {
  path: string;
  reason: 'symlink-outside' | 'binary' | 'not-utf8' | 'too-large' | 'not-a-file';
  detail: string;
}

export interface Discovery {
  files: DiscoveredFile[];
  skipped: SkippedFile[];
  /** How the list was made: `git` (ls-files, honouring .gitignore) or `walk`. */
  method: 'git' | 'walk';
}

async function isGitWorkTree(root: string): Promise<boolean> {
  try {
    const { stdout } = await run('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root, timeout: 30_000 });
    return stdout.trim() === 'true';
  } catch {
    return false;
  }
}

/** Tracked and untracked-but-not-ignored files under `root`, relative to it. fsmonitor is off: no repo hooks run. */
async function gitFiles(root: string): Promise<string[]> {
  const { stdout } = await run(
    'git',
    ['-c', 'core.fsmonitor=false', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: root, timeout: 120_000, maxBuffer: 256 * 1024 * 1024 },
  );
  return [...new Set(stdout.split('\0').filter(Boolean))];
}

function walkFiles(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!WALK_SKIP.has(entry.name) && !fs.existsSync(path.join(root, rel, 'pyvenv.cfg'))) visit(rel);
      } else out.push(rel);
    }
  };
  visit('');
  return out.sort();
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Classifies one listed path: a file the tools may read, or a skip with the reason. */
function inspect(root: string, rel: string, maxFileBytes: number): DiscoveredFile | SkippedFile | undefined {
  const absolute = path.join(root, rel);
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(absolute);
  } catch {
    return undefined; // listed by git but deleted in the work tree
  }
  if (stat.isSymbolicLink()) {
    let target: string;
    try {
      target = fs.realpathSync(absolute);
    } catch {
      return { path: rel, reason: 'not-a-file', detail: `${rel}: a dangling symbolic link, skipped` };
    }
    if (!isInside(target, root)) {
      return {
        path: rel,
        reason: 'symlink-outside',
        detail: `${rel}: a symbolic link pointing outside the repository (${target}), refused`,
      };
    }
    stat = fs.statSync(target);
  }
  if (!stat.isFile()) return { path: rel, reason: 'not-a-file', detail: `${rel}: not a regular file, skipped` };
  if (stat.size > maxFileBytes) {
    return {
      path: rel,
      reason: 'too-large',
      detail: `${rel}: ${stat.size} bytes, over the ${maxFileBytes}-byte limit for analysis, skipped`,
    };
  }
  const bytes = fs.readFileSync(absolute);
  if (bytes.subarray(0, 8192).includes(0)) {
    return { path: rel, reason: 'binary', detail: `${rel}: a binary file, skipped` };
  }
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { path: rel, reason: 'not-utf8', detail: `${rel}: not valid UTF-8 text, skipped` };
  }
  const newline = text.indexOf('\n');
  return { path: rel, firstLine: newline === -1 ? text : text.slice(0, newline) };
}

/**
 * The repository's analysable files: git-aware (honouring .gitignore) in a work tree, a walk otherwise; binary,
 * huge and non-UTF-8 files and symlinks leaving the repository are skipped with the reason.
 */
export async function discoverFiles(repoRoot: string, options: { maxFileBytes?: number } = {}): Promise<Discovery> {
  const root = fs.realpathSync(repoRoot);
  const git = await isGitWorkTree(root);
  const listed = git ? await gitFiles(root) : walkFiles(root);
  const files: DiscoveredFile[] = [];
  const skipped: SkippedFile[] = [];
  for (const rel of listed) {
    const found = inspect(root, rel, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
    if (!found) continue;
    if ('reason' in found) skipped.push(found);
    else files.push(found);
  }
  return { files, skipped, method: git ? 'git' : 'walk' };
}
