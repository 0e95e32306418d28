import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Turns `dir` into a git repository on `main` with everything in it committed once, under a fixed identity. */
export function initRepo(dir: string): void {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'T',
    GIT_AUTHOR_EMAIL: 't@e',
    GIT_COMMITTER_NAME: 'T',
    GIT_COMMITTER_EMAIL: 't@e',
  };
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env });
  execFileSync('git', ['add', '.'], { cwd: dir, env });
  execFileSync('git', ['commit', '-q', '-m', 'init'], { cwd: dir, env });
}

/**
 * A clone at `root` on `main` (README.md, pushed to a new bare `remote`) with `branch` checked out one commit ahead
 * (docs/x.md added): what a forge delivers.
 */
export function repoWithBranch(root: string, remote: string, branch: string) {
  const g = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });
  fs.mkdirSync(root, { recursive: true });
  g(path.dirname(remote), 'init', '-q', '--bare', remote);
  g(root, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(root, 'README.md'), 'hi\n');
  g(root, 'add', '.');
  g(root, 'commit', '-q', '-m', 'init');
  g(root, 'push', '-q', remote, 'main');
  g(root, 'checkout', '-q', '-b', branch);
  fs.mkdirSync(path.join(root, 'docs'));
  fs.writeFileSync(path.join(root, 'docs/x.md'), 'doc\n');
  g(root, 'add', '.');
  g(root, 'commit', '-q', '-m', 'docs');
  return { root, remote, branch, base: 'main' as const };
}
