import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addWorktree,
  branches,
  clone,
  commit,
  createBranch,
  currentBranch,
  DEFAULT_IDENTITY,
  diff,
  GitError,
  git,
  isGitUrl,
  log,
  push,
  redactCredentials,
  removeWorktree,
  revParse,
  show,
  status,
  stripCredentials,
  switchBranch,
} from '../../src/platform/git/index.ts';

let root: string;
let source: string;

function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  });
}

beforeAll(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-git-')));
  source = path.join(root, 'source');
  fs.mkdirSync(source);
  sh(source, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(source, 'a.txt'), 'one\ntwo\nthree\n');
  sh(source, 'add', '.');
  sh(source, 'commit', '-q', '-m', 'first');
  fs.writeFileSync(path.join(source, 'b.txt'), 'bee\n');
  sh(source, 'add', '.');
  sh(source, 'commit', '-q', '-m', 'second');
});

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/**
 * A real smart-HTTP git server: Node's http server in front of `git http-backend` (CGI), accepting only
 * `Authorization: Basic base64(user:token)`; it asks for credentials (401) otherwise.
 */
async function gitHttpServer(projectRoot: string, token: string) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    seen.push(auth);
    const decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString() : '';
    if (!decoded.endsWith(`:${token}`)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      res.end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const child = spawn('git', ['http-backend'], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        REMOTE_USER: 'tester',
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(child.stdin);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('close', () => {
      const out = Buffer.concat(chunks);
      const split = out.indexOf('\r\n\r\n');
      const head = out.subarray(0, split).toString().split('\r\n');
      const headers: Record<string, string> = {};
      let code = 200;
      for (const line of head) {
        const [k = '', ...v] = line.split(':');
        if (k.toLowerCase() === 'status') code = Number.parseInt(v.join(':').trim(), 10);
        else headers[k] = v.join(':').trim();
      }
      res.writeHead(code, headers);
      res.end(out.subarray(split + 4));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { server, port, seen };
}

function fresh(name: string): string {
  return path.join(root, `${name}-${Math.random().toString(36).slice(2, 8)}`);
}

describe('git module', () => {
  it('clones a local path with full history, and shallow through file:// when a depth is given', async () => {
    const full = fresh('full');
    await clone({ source, dest: full });
    expect((await log(full)).map((e) => e.subject)).toEqual(['second', 'first']);
    const shallow = fresh('shallow');
    await clone({ source, dest: shallow, depth: 1 });
    expect((await log(shallow)).map((e) => e.subject)).toEqual(['second']);
    expect(fs.existsSync(path.join(shallow, '.git', 'shallow'))).toBe(true);
  });

  it('refuses a source path that does not exist, naming it', async () => {
    await expect(clone({ source: path.join(root, 'nope'), dest: fresh('x') })).rejects.toThrow(/no such path/);
  });

  it('never runs the repository hooks (core.hooksPath=/dev/null)', async () => {
    const repo = fresh('hooks');
    await clone({ source, dest: repo });
    const marker = path.join(root, `hook-ran-${Math.random()}`);
    const hook = path.join(repo, '.git', 'hooks', 'pre-commit');
    fs.writeFileSync(hook, `#!/bin/sh\ntouch ${marker}\nexit 1\n`, { mode: 0o755 });
    sh(repo, 'config', 'core.hooksPath', '.git/hooks');
    fs.writeFileSync(path.join(repo, 'c.txt'), 'see\n');
    const r = await commit(repo, 'with hook', { add: 'all' });
    expect(r.committed).toBe(true);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('creates and switches branches, lists them, and refuses option-like names', async () => {
    const repo = fresh('branch');
    await clone({ source, dest: repo });
    await createBranch(repo, 'orbit/abc-feature');
    expect(await currentBranch(repo)).toBe('orbit/abc-feature');
    await switchBranch(repo, 'main');
    expect(await currentBranch(repo)).toBe('main');
    const list = await branches(repo);
    expect(list.map((b) => b.name).sort()).toEqual(['main', 'orbit/abc-feature']);
    expect(list.find((b) => b.current)?.name).toBe('main');
    await expect(createBranch(repo, '--upload-pack=touch /tmp/x')).rejects.toThrow(/not an acceptable branch name/);
  });

  it('reports status, numstat and patch for modified, new and deleted files', async () => {
    const repo = fresh('status');
    await clone({ source, dest: repo });
    fs.writeFileSync(path.join(repo, 'a.txt'), 'one\nTWO\nthree\nfour\n');
    fs.writeFileSync(path.join(repo, 'new.txt'), 'fresh\n');
    fs.rmSync(path.join(repo, 'b.txt'));
    const st = await status(repo);
    expect(st.clean).toBe(false);
    expect(st.branch).toBe('main');
    expect(st.entries).toEqual(
      expect.arrayContaining([
        { code: ' M', path: 'a.txt' },
        { code: '??', path: 'new.txt' },
        { code: ' D', path: 'b.txt' },
      ]),
    );
    const d = await diff(repo);
    expect(d.files).toEqual(
      expect.arrayContaining([
        { path: 'a.txt', added: 2, removed: 1, binary: false },
        { path: 'b.txt', added: 0, removed: 1, binary: false },
      ]),
    );
    expect(d.patch).toContain('-two\n+TWO');
    const { sha } = await commit(repo, 'change things', { add: 'all' });
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    const range = await diff(repo, { from: 'HEAD~1', to: 'HEAD' });
    expect(range.files.map((f) => f.path).sort()).toEqual(['a.txt', 'b.txt', 'new.txt']);
    expect((await status(repo)).clean).toBe(true);
  });

  it('commits with the fixed identity, and "nothing to commit" is an answer, not an error', async () => {
    const repo = fresh('commit');
    await clone({ source, dest: repo });
    expect(await commit(repo, 'empty', { add: 'all' })).toEqual({ sha: undefined, committed: false });
    fs.writeFileSync(path.join(repo, 'x.txt'), 'x\n');
    await commit(repo, 'add x', { add: ['x.txt'] });
    const [head] = await log(repo, { max: 1 });
    expect(head).toMatchObject({ subject: 'add x', author: DEFAULT_IDENTITY.name, email: DEFAULT_IDENTITY.email });
    const committer = (await git(['log', '-1', '--format=%cn <%ce>'], { cwd: repo })).stdout.trim();
    expect(committer).toBe(`${DEFAULT_IDENTITY.name} <${DEFAULT_IDENTITY.email}>`);
    expect(await show(repo, 'HEAD')).toContain('+x');
    await expect(commit(repo, '   ')).rejects.toThrow(/non-empty message/);
  });

  it('pushes a branch to a bare remote path, and a second push of the same commit sends nothing', async () => {
    const bare = fresh('remote.git');
    sh(root, 'init', '-q', '--bare', bare);
    const repo = fresh('push');
    await clone({ source, dest: repo });
    await createBranch(repo, 'orbit/r1-change');
    fs.writeFileSync(path.join(repo, 'p.txt'), 'p\n');
    const { sha } = await commit(repo, 'p', { add: 'all' });
    const first = await push(repo, { remote: bare, branch: 'orbit/r1-change' });
    expect(first).toEqual({ sha, pushed: true, remoteBranch: 'orbit/r1-change' });
    expect(sh(bare, 'rev-parse', 'refs/heads/orbit/r1-change').trim()).toBe(sha);
    const again = await push(repo, { remote: bare, branch: 'orbit/r1-change' });
    expect(again.pushed).toBe(false);
    await expect(push(repo, { remote: bare, branch: 'missing' })).rejects.toThrow(/no such local branch/);
  });

  it('adds and removes a worktree on a new branch', async () => {
    const repo = fresh('wt-main');
    await clone({ source, dest: repo });
    const wt = fresh('wt');
    await addWorktree(repo, wt, { branch: 'orbit/wt-1' });
    expect(await currentBranch(wt)).toBe('orbit/wt-1');
    expect(await revParse(wt, 'HEAD')).toBe(await revParse(repo, 'HEAD'));
    fs.writeFileSync(path.join(wt, 'dirty.txt'), 'dirty');
    await expect(removeWorktree(repo, wt)).rejects.toBeInstanceOf(GitError);
    await removeWorktree(repo, wt, { force: true });
    expect(fs.existsSync(wt)).toBe(false);
  });

  it('revParse answers undefined for an unknown ref and refuses option-like refs elsewhere', async () => {
    expect(await revParse(source, 'no-such-branch')).toBeUndefined();
    expect(await revParse(source, 'main')).toMatch(/^[0-9a-f]{40}$/);
    await expect(log(source, { ref: '--output=/tmp/x' })).rejects.toThrow(/must not start with "-"/);
    await expect(diff(source, { from: '--output=/tmp/x' })).rejects.toThrow(/not a revision/);
  });

  it('clones and pushes over smart HTTP with a token header, and keeps no credentials in the clone', async () => {
    const token = `tok-${Math.random().toString(36).slice(2)}`;
    const projects = fresh('http-root');
    fs.mkdirSync(projects);
    sh(projects, 'clone', '-q', '--bare', source, 'repo.git');
    const { server, port, seen } = await gitHttpServer(projects, token);
    try {
      const viaHeader = fresh('http-clone');
      await clone({ source: `http://127.0.0.1:${port}/repo.git`, dest: viaHeader, token, timeoutMs: 30_000 });
      expect((await log(viaHeader)).map((e) => e.subject)).toEqual(['second', 'first']);
      expect(seen.every((a) => a !== '')).toBe(true); // the header went with the very first request

      const viaUrl = fresh('http-url-clone');
      await clone({ source: `http://someone:${token}@127.0.0.1:${port}/repo.git`, dest: viaUrl, timeoutMs: 30_000 });
      for (const dir of [viaHeader, viaUrl]) {
        expect(fs.readFileSync(path.join(dir, '.git', 'config'), 'utf8')).not.toContain(token);
      }
      expect(sh(viaUrl, 'remote', 'get-url', 'origin').trim()).toBe(`http://127.0.0.1:${port}/repo.git`);

      await createBranch(viaHeader, 'orbit/http-1');
      fs.writeFileSync(path.join(viaHeader, 'h.txt'), 'h\n');
      const { sha } = await commit(viaHeader, 'over http', { add: 'all' });
      const remote = `http://127.0.0.1:${port}/repo.git`;
      expect(await push(viaHeader, { remote, branch: 'orbit/http-1', token, timeoutMs: 30_000 })).toMatchObject({
        sha,
        pushed: true,
      });
      expect(sh(path.join(projects, 'repo.git'), 'rev-parse', 'refs/heads/orbit/http-1').trim()).toBe(sha);
      expect((await push(viaHeader, { remote, branch: 'orbit/http-1', token, timeoutMs: 30_000 })).pushed).toBe(false);
      const refused = await push(viaHeader, {
        remote,
        branch: 'orbit/http-1',
        token: 'wrong',
        timeoutMs: 30_000,
      }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(GitError);
      expect((refused as Error).message).not.toContain(token);
    } finally {
      server.close();
    }
  });

  it('sends a token only as an HTTP header from the environment and never shows it in an error', async () => {
    const token = `tok-${Math.random().toString(36).slice(2)}`;
    let authorization = '';
    const server = http.createServer((req, res) => {
      authorization = req.headers.authorization ?? '';
      res.statusCode = 403;
      res.end('no');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const url = `http://user:${token}-inurl@127.0.0.1:${port}/repo.git`;
      const error = await clone({ source: url, dest: fresh('http'), token, timeoutMs: 20_000 }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GitError);
      const message = (error as GitError).message;
      expect(message).not.toContain(token);
      expect(message).toContain('***@');
      expect(authorization).toMatch(/^Basic /);
      expect(Buffer.from(authorization.slice(6), 'base64').toString()).toBe(`x-access-token:${token}`);
    } finally {
      server.close();
    }
  });

  it('tells URLs from paths and redacts credentials', () => {
    expect(isGitUrl('https://github.com/a/b.git')).toBe(true);
    expect(isGitUrl('git@github.com:a/b.git')).toBe(true);
    expect(isGitUrl('/srv/repo')).toBe(false);
    expect(isGitUrl('./repo')).toBe(false);
    expect(stripCredentials('https://x:secret@host/p.git')).toBe('https://host/p.git');
    expect(redactCredentials('https://x:secret@host/p and Authorization: Basic abc=')).toBe(
      'https://***@host/p and Authorization: Basic ***',
    );
  });
});
