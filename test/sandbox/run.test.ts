import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/platform/errors.ts';
import { runSandboxed, sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import { countingHttpServer } from '../support/net.ts';
import { itWhen } from '../support/services.ts';

const availability = await sandboxAvailable();
const itSandbox = itWhen(availability.available, `the bubblewrap sandbox is unavailable: ${availability.reason}`);

let root: string;
let ws: string;

beforeAll(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-sandbox-run-')));
  ws = path.join(root, 'ws');
  fs.mkdirSync(path.join(ws, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'input.txt'), 'from the host\n');
});

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('runSandboxed: ordinary commands', () => {
  itSandbox('reports the version and how limits are enforced', () => {
    expect(availability.version).toMatch(/^\d+\.\d+/);
    expect(['cgroup-v1', 'cgroup-v2', 'rlimit']).toContain(availability.limits);
  });

  itSandbox('reads and writes in the workspace and returns exit code, stdout and stderr', async () => {
    const r = await runSandboxed({
      command: 'sh',
      args: ['-c', 'cat input.txt; echo made > out.txt; echo warn >&2; exit 3'],
      cwd: ws,
      workspace: ws,
      timeoutMs: 5000,
    });
    expect(r).toMatchObject({
      exitCode: 3,
      signal: null,
      stdout: 'from the host\n',
      stderr: 'warn\n',
      timedOut: false,
      outputTruncated: false,
    });
    expect(r.killedReason).toBeUndefined();
    expect(fs.readFileSync(path.join(ws, 'out.txt'), 'utf8')).toBe('made\n');
  });

  itSandbox('runs in a subdirectory of the workspace and feeds stdin', async () => {
    const r = await runSandboxed({
      command: 'sh',
      args: ['-c', 'pwd; tr a-z A-Z'],
      cwd: path.join(ws, 'sub'),
      workspace: ws,
      stdin: 'hello',
      timeoutMs: 5000,
    });
    expect(r.stdout).toBe(`${path.join(ws, 'sub')}\nHELLO`);
    expect(r.exitCode).toBe(0);
  });

  itSandbox("passes only the given environment, never Orbit's own", async () => {
    process.env.ORBIT_SANDBOX_TEST_SECRET = 'must-not-leak';
    try {
      const r = await runSandboxed({
        command: 'env',
        args: [],
        cwd: ws,
        workspace: ws,
        env: { GREETING: 'hi' },
        timeoutMs: 5000,
      });
      const vars = Object.fromEntries(
        r.stdout
          .trim()
          .split('\n')
          .map((l) => l.split(/=(.*)/s).slice(0, 2)),
      );
      expect(vars).toEqual({
        GREETING: 'hi',
        HOME: '/tmp',
        LANG: 'C.UTF-8',
        PATH: expect.stringContaining('/usr/bin'),
        PWD: ws, // set by bwrap's --chdir
      });
    } finally {
      delete process.env.ORBIT_SANDBOX_TEST_SECRET;
    }
  });

  itSandbox('shows readOnly paths without letting them be written, and allows extra writable paths', async () => {
    const tools = path.join(root, 'tools');
    const cache = path.join(root, 'cache');
    fs.mkdirSync(tools);
    fs.mkdirSync(cache);
    fs.writeFileSync(path.join(tools, 'tool.sh'), 'echo tool ran\n');
    const r = await runSandboxed({
      command: 'sh',
      args: ['-c', `sh ${tools}/tool.sh; echo x > ${tools}/tool.sh; echo cached > ${cache}/entry`],
      cwd: ws,
      workspace: ws,
      readOnly: [tools],
      writable: [cache],
      timeoutMs: 5000,
    });
    expect(r.stdout).toBe('tool ran\n');
    expect(r.stderr).toContain('Read-only file system');
    expect(fs.readFileSync(path.join(tools, 'tool.sh'), 'utf8')).toBe('echo tool ran\n');
    expect(fs.readFileSync(path.join(cache, 'entry'), 'utf8')).toBe('cached\n');
  });

  itSandbox('keeps a read-only path nested inside the workspace read-only', async () => {
    const git = path.join(ws, '.git-like');
    fs.mkdirSync(git, { recursive: true });
    const r = await runSandboxed({
      command: 'sh',
      args: ['-c', 'echo x > .git-like/HEAD; echo y > ok.txt'],
      cwd: ws,
      workspace: ws,
      readOnly: [git],
      timeoutMs: 5000,
    });
    expect(r.stderr).toContain('Read-only file system');
    expect(fs.existsSync(path.join(git, 'HEAD'))).toBe(false);
    expect(fs.readFileSync(path.join(ws, 'ok.txt'), 'utf8')).toBe('y\n');
  });

  itSandbox('stops the step when its AbortSignal fires, and never starts one already aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const r = await runSandboxed({
      command: 'sleep',
      args: ['30'],
      cwd: ws,
      workspace: ws,
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    expect(r.killedReason).toBe('aborted');
    expect(r.signal).toBe('SIGKILL');
    expect(r.timedOut).toBe(false);
    const again = await runSandboxed({
      command: 'touch',
      args: ['never'],
      cwd: ws,
      workspace: ws,
      timeoutMs: 5000,
      signal: controller.signal,
    });
    expect(again.killedReason).toBe('aborted');
    expect(fs.existsSync(path.join(ws, 'never'))).toBe(false);
  });

  itSandbox('reports a command that is not found as exit 127 style failure, not a crash of the sandbox', async () => {
    const r = await runSandboxed({ command: 'no-such-command-xyz', args: [], cwd: ws, workspace: ws, timeoutMs: 5000 });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('no-such-command-xyz');
  });
});

describe('runSandboxed: bad options', () => {
  it('names every bad field with its JSON pointer', async () => {
    const error = await runSandboxed({
      command: '',
      args: ['ok'],
      cwd: '/',
      workspace: 'relative/path',
      readOnly: ['/definitely/not/here'],
      timeoutMs: -1,
      maxProcesses: 1.5,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const pointers = (error as ValidationError).extra.errors?.map((e) => e.pointer);
    expect(pointers).toEqual(
      expect.arrayContaining(['/command', '/workspace', '/cwd', '/readOnly/0', '/timeoutMs', '/maxProcesses']),
    );
  });

  it('refuses a cwd outside the workspace', async () => {
    const error = await runSandboxed({ command: 'true', args: [], cwd: root, workspace: ws, timeoutMs: 1000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).extra.errors).toEqual([
      { pointer: '/cwd', message: expect.stringContaining('must be inside the workspace') },
    ]);
  });

  it('refuses a malformed network allow-list, naming each bad entry', async () => {
    const error = await runSandboxed({
      command: 'true',
      args: [],
      cwd: ws,
      workspace: ws,
      timeoutMs: 1000,
      network: { allowHosts: ['example.com', 'https://example.com/'] },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).extra.errors).toEqual([
      { pointer: '/network/allowHosts/1', message: expect.stringContaining('must be a host name') },
    ]);
  });
});

describe('runSandboxed: a network allow-list', () => {
  itSandbox('reaches listed hosts through the proxy, and only them; the variables point programs at it', async () => {
    const server = await countingHttpServer();
    try {
      const get = (url: string) =>
        `python3 -c "import urllib.request as u; print(u.urlopen('${url}', timeout=5).read().decode().strip())" 2>&1 | tail -1`;
      const r = await runSandboxed({
        command: 'sh',
        args: [
          '-c',
          [
            'echo "proxy=$HTTPS_PROXY"',
            get(`http://localhost:${server.port}/listed`),
            get(`http://127.0.0.1:${server.port}/unlisted`),
          ].join('; '),
        ],
        cwd: ws,
        workspace: ws,
        timeoutMs: 10_000,
        env: { HTTPS_PROXY: 'http://attacker.example:1' },
        network: { allowHosts: [`localhost:${server.port}`] },
      });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain('proxy=http://127.0.0.1:3128');
      expect(r.stdout).toContain('hello /listed');
      expect(r.stdout).toContain('HTTP Error 403');
      expect(server.hits()).toBe(1);
      expect(r.network).toEqual({
        allowed: [`localhost:${server.port}`],
        blocked: [`127.0.0.1:${server.port}`],
      });
    } finally {
      await server.close();
    }
  });

  itSandbox('leaves no proxy socket behind when the step ends', async () => {
    const before = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('orbit-net-'));
    await runSandboxed({
      command: 'true',
      args: [],
      cwd: ws,
      workspace: ws,
      timeoutMs: 5000,
      network: { allowHosts: ['pypi.org'] },
    });
    const after = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('orbit-net-'));
    expect(after).toEqual(before);
  });
});
