import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  branchName,
  createWorkspace,
  PathOutsideWorkspaceError,
  resolveInside,
  workspacePath,
} from '../../src/agent/workspace/index.ts';
import { currentBranch, log } from '../../src/platform/git/index.ts';
import { initRepo } from '../support/git.ts';

let root: string;
let source: string;
let home: string;

beforeAll(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-ws-')));
  source = path.join(root, 'source');
  home = path.join(root, 'home');
  fs.mkdirSync(source);
  fs.writeFileSync(path.join(source, 'README.md'), '# sample\n');
  initRepo(source);
});

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('createWorkspace', () => {
  it('clones a local repository under $ORBIT_HOME/workspaces/<runId> on a new orbit/<short>-<slug> branch', async () => {
    const runId = '0193a5b2-7c1d-7e2f-8a3b-4c5d6e7f8a9b';
    const ws = await createWorkspace({ home, runId, source, slug: 'Add a Health endpoint!' });
    expect(ws.root).toBe(path.join(home, 'workspaces', runId));
    expect(ws.branch).toBe('orbit/6e7f8a9b-add-a-health-endpoint');
    expect(await currentBranch(ws.root)).toBe(ws.branch);
    expect(ws.baseBranch).toBe('main');
    expect((await log(ws.root))[0]?.sha).toBe(ws.base);
    expect(fs.readFileSync(path.join(ws.root, 'README.md'), 'utf8')).toBe('# sample\n');
    // a resumed run gets the same workspace, with its work, instead of a fresh clone
    fs.writeFileSync(path.join(ws.root, 'work.txt'), 'in progress');
    const again = await createWorkspace({ home, runId, source, slug: 'Add a Health endpoint!' });
    expect(ws.fresh).toBe(true);
    expect(again).toEqual({ ...ws, fresh: false });
    expect(fs.existsSync(path.join(ws.root, 'work.txt'))).toBe(true);
  });

  it('clones through a file:// URL too', async () => {
    const ws = await createWorkspace({ home, runId: 'run-url-1', source: `file://${source}`, slug: 'x', depth: 1 });
    expect((await log(ws.root)).length).toBe(1);
  });

  it('refuses a run id that would name another directory', () => {
    expect(() => workspacePath(home, '../etc')).toThrow(/not a usable run id/);
    expect(branchName('abc', '')).toBe('orbit/abc');
  });
});

describe('resolveInside', () => {
  let ws: string;
  let outside: string;

  beforeAll(() => {
    ws = path.join(root, 'resolve-ws');
    outside = path.join(root, 'resolve-outside');
    fs.mkdirSync(path.join(ws, 'src'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(ws, 'src', 'a.ts'), 'a');
    fs.symlinkSync(outside, path.join(ws, 'out-link'));
    fs.symlinkSync('src', path.join(ws, 'in-link'));
    fs.symlinkSync(path.join(outside, 'missing.txt'), path.join(ws, 'dangling'));
  });

  it('resolves relative and absolute paths inside, including new files and in-workspace symlinks', () => {
    expect(resolveInside(ws, 'src/a.ts')).toBe(path.join(ws, 'src', 'a.ts'));
    expect(resolveInside(ws, path.join(ws, 'src', 'a.ts'))).toBe(path.join(ws, 'src', 'a.ts'));
    expect(resolveInside(ws, 'src/../src/new/b.ts')).toBe(path.join(ws, 'src', 'new', 'b.ts'));
    expect(resolveInside(ws, 'in-link/a.ts')).toBe(path.join(ws, 'src', 'a.ts'));
    expect(resolveInside(ws, '.')).toBe(ws);
  });

  it('refuses .. traversal, absolute paths elsewhere, symlink escapes and dangling links, saying why', () => {
    const cases: [string, RegExp][] = [
      ['../resolve-outside/x', /"\.\." components lead outside/],
      ['src/../../x', /"\.\." components lead outside/],
      ['/etc/passwd', /absolute path outside the workspace/],
      [path.join(outside, 'x'), /absolute path outside the workspace/],
      ['out-link/new.txt', /"out-link" leads through a symbolic link to .*resolve-outside, outside the workspace/],
      ['out-link', /symbolic link to/],
      ['out-link/../../resolve-outside/x', /"\.\." components lead outside/],
      ['dangling', /symbolic link whose target does not exist/],
      ['a\0b', /NUL byte/],
    ];
    for (const [p, message] of cases) {
      let error: unknown;
      try {
        resolveInside(ws, p);
      } catch (e) {
        error = e;
      }
      expect(error, p).toBeInstanceOf(PathOutsideWorkspaceError);
      expect((error as Error).message, p).toMatch(message);
      expect((error as Error).message).toContain('relative to the workspace root');
    }
  });
});
