import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import {
  bashTool,
  editTool,
  gitTool,
  globTool,
  grepTool,
  readTool,
  type ToolContext,
  type ToolResult,
  writeTool,
} from '../../src/agent/tools/index.ts';
import { createWorkspace } from '../../src/agent/workspace/index.ts';
import { sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import { initRepo } from '../support/git.ts';
import { countingHttpServer } from '../support/net.ts';
import { itWhen } from '../support/services.ts';

/**
 * Escape attempts made the way the agent would make them: through its tools (bash, write, edit, read, grep, glob,
 * git) in a real workspace under a real $ORBIT_HOME. Each attempt asserts on the host's state (files, processes,
 * connections), not only on what the tool said, and is counted as blocked only when every assertion holds.
 * docs/agent-sandbox.md lists them; the table printed at the end is the count.
 */
const availability = await sandboxAvailable();
const itSandbox = itWhen(availability.available, `the bubblewrap sandbox is unavailable: ${availability.reason}`);
const hasCurl = spawnSync('curl', ['--version']).status === 0;
const itCurl = itWhen(availability.available && hasCurl, 'curl is not installed (apt-get install curl), or no sandbox');

const SECRET = `secret-${Math.random().toString(36).slice(2)}`;
const rows: { attempt: string; via: string; blockedBy: string }[] = [];

let tmp: string;
let orbitHome: string;
let outside: string;
let target: string;
let ws: { root: string; branch: string };

function ctx(extra: Partial<ToolContext> = {}): ToolContext {
  return {
    workspace: ws,
    runId: 'run-escape',
    signal: new AbortController().signal,
    emit: async () => undefined,
    todo: { items: [] },
    sandbox: { timeoutMs: 20_000 },
    ...extra,
  };
}

async function call(tool: { execute(a: never, c: ToolContext): Promise<ToolResult> }, args: unknown, c = ctx()) {
  return tool.execute(args as never, c);
}

function bash(command: string, extra: Partial<ToolContext> = {}, timeoutSeconds = 20) {
  return call(bashTool, { command, timeoutSeconds }, ctx(extra));
}

function output(r: ToolResult): string {
  return r.ok ? r.output : r.error;
}

function refused(r: ToolResult, pattern: RegExp): void {
  expect(r.ok, output(r)).toBe(false);
  if (!r.ok) expect(r.error).toMatch(pattern);
}

function outsideUntouched(): void {
  expect(fs.readFileSync(target, 'utf8')).toBe('original');
  expect(fs.readdirSync(outside)).toEqual(['target.txt']);
}

function blocked(attempt: string, via: string, blockedBy: string): void {
  rows.push({ attempt, via, blockedBy });
}

function marker(): string {
  return `1000.${Math.floor(Math.random() * 1e6)}`;
}

function survivors(pattern: string): string {
  return spawnSync('pgrep', ['-af', pattern], { encoding: 'utf8' }).stdout.trim();
}

async function withListener<T>(fn: (port: number, connections: () => number) => Promise<T>): Promise<T> {
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await fn((server.address() as net.AddressInfo).port, () => count);
  } finally {
    server.close();
  }
}

beforeAll(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-agent-escape-')));
  orbitHome = path.join(tmp, 'orbit-home');
  outside = path.join(tmp, 'outside');
  target = path.join(outside, 'target.txt');
  fs.mkdirSync(outside);
  fs.writeFileSync(target, 'original');
  fs.mkdirSync(path.join(orbitHome, 'secrets'), { recursive: true });
  fs.writeFileSync(path.join(orbitHome, 'secrets', 'jwt.key'), SECRET);
  fs.mkdirSync(path.join(orbitHome, 'db'));
  fs.writeFileSync(path.join(orbitHome, 'db', 'PG_VERSION'), SECRET);
  const source = path.join(tmp, 'source');
  fs.mkdirSync(source);
  fs.writeFileSync(path.join(source, 'app.py'), 'print("hi")\n');
  initRepo(source);
  ws = await createWorkspace({ home: orbitHome, runId: 'run-escape-1', source, slug: 'escape' });
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  const width = Math.max(...rows.map((r) => r.attempt.length), 7);
  const lines = rows.map(
    (r, i) => `${String(i + 1).padStart(2)}. ${r.attempt.padEnd(width)} | ${r.via.padEnd(10)} | ${r.blockedBy}`,
  );
  console.log(`[agent escape suite] attempts blocked: ${rows.length}\n${lines.join('\n')}`);
});

describe('agent tool escape attempts', () => {
  // ---- network ----
  itCurl('curl to a port listening on the host loopback', async () => {
    await withListener(async (port, connections) => {
      const r = await bash(`curl -sS --max-time 3 http://127.0.0.1:${port}/ && echo CONNECTED`);
      expect(output(r)).not.toContain('CONNECTED');
      expect(output(r)).toMatch(/Couldn't connect|Failed to connect|Connection refused/);
      expect(connections()).toBe(0);
    });
    blocked('curl to a host loopback port', 'bash', 'network namespace (only a down-to-itself lo)');
  });

  itSandbox('python socket to a port listening on the host loopback', async () => {
    await withListener(async (port, connections) => {
      const r = await bash(
        `python3 -c "import socket; socket.create_connection(('127.0.0.1', ${port}), timeout=2); print('CONNECTED')"`,
      );
      expect(output(r)).not.toContain('CONNECTED');
      expect(output(r)).toMatch(/ConnectionRefused|Connection refused|unreachable/);
      expect(connections()).toBe(0);
    });
    blocked('python socket to a host loopback port', 'bash', 'network namespace');
  });

  itSandbox('bash /dev/tcp to a port listening on the host loopback', async () => {
    await withListener(async (port, connections) => {
      const r = await bash(`exec 3<>/dev/tcp/127.0.0.1/${port} && echo CONNECTED`);
      expect(output(r)).not.toContain('CONNECTED');
      expect(connections()).toBe(0);
    });
    blocked('bash /dev/tcp to a host loopback port', 'bash', 'network namespace');
  });

  itSandbox('resolving and reaching a public host', async () => {
    const r = await bash(
      `python3 -c "import socket; print(sorted(n for _, n in socket.if_nameindex())); socket.getaddrinfo('registry.npmjs.org', 443); print('RESOLVED')"`,
    );
    expect(output(r)).toContain("['lo']");
    expect(output(r)).not.toContain('RESOLVED');
    expect(output(r)).toContain('gaierror');
    blocked('DNS lookup / public host', 'bash', 'network namespace (no interfaces, no resolver)');
  });

  // ---- a run that allows listed hosts: those, through Orbit's filtering proxy, and nothing else ----
  itCurl('with allowHosts: a direct connection that bypasses the proxy', async () => {
    const allowed = await countingHttpServer();
    try {
      const r = await bash(
        `curl -sS --noproxy '*' --max-time 3 http://localhost:${allowed.port}/ && echo CONNECTED; ` +
          `python3 -c "import socket; socket.create_connection(('127.0.0.1', ${allowed.port}), timeout=2); print('CONNECTED')"`,
        { allowHosts: [`localhost:${allowed.port}`] },
      );
      expect(output(r)).not.toContain('CONNECTED');
      expect(allowed.hits()).toBe(0);
    } finally {
      await allowed.close();
    }
    blocked('allowHosts: a direct connection that skips the proxy', 'bash', 'network namespace (no route out)');
  });

  itCurl('with allowHosts: an unlisted host, port or address through the proxy (HTTP and CONNECT)', async () => {
    const allowed = await countingHttpServer();
    const other = await countingHttpServer();
    try {
      const r = await bash(
        [
          `curl -sS --max-time 3 http://localhost:${allowed.port}/ok`,
          `curl -sS --max-time 3 http://localhost:${other.port}/other-port`,
          `curl -sS --max-time 3 http://127.0.0.1:${allowed.port}/same-server-by-address`,
          `curl -sS -p --max-time 3 http://localhost:${other.port}/tunnel`,
          'curl -sS --max-time 3 https://registry.npmjs.org/',
        ].join('; '),
        { allowHosts: [`localhost:${allowed.port}`] },
      );
      expect(output(r)).toContain('hello /ok');
      expect(allowed.hits()).toBe(1);
      expect(other.hits()).toBe(0);
      expect(r.ok && r.data).toMatchObject({
        network: {
          allowed: [`localhost:${allowed.port}`],
          blocked: [`localhost:${other.port}`, `127.0.0.1:${allowed.port}`, 'registry.npmjs.org:443'],
        },
      });
      expect(output(r)).toContain("Orbit's sandbox refused a connection to");
    } finally {
      await allowed.close();
      await other.close();
    }
    blocked('allowHosts: unlisted hosts, ports, addresses, tunnels', 'bash', 'filtering proxy (403)');
  });

  itSandbox('with allowHosts: resolving names in the sandbox', async () => {
    const r = await bash(
      `python3 -c "import socket; socket.getaddrinfo('registry.npmjs.org', 443); print('RESOLVED')"`,
      { allowHosts: ['registry.npmjs.org'] },
    );
    expect(output(r)).not.toContain('RESOLVED');
    expect(output(r)).toContain('gaierror');
    blocked('allowHosts: DNS lookups (data out through names)', 'bash', 'no resolver in the sandbox');
  });

  // ---- writes outside through paths ----
  itSandbox('write and edit through ../ paths', async () => {
    const rel = path.relative(ws.root, target);
    refused(await call(writeTool, { path: rel, content: 'pwned' }), /"\.\." components lead outside/);
    refused(await call(writeTool, { path: '../../../outside/new.txt', content: 'pwned' }), /outside/);
    refused(await call(editTool, { path: rel, oldString: 'original', newString: 'pwned' }), /outside/);
    outsideUntouched();
    blocked('../ path', 'write, edit', 'resolveInside');
  });

  itSandbox('write and edit through absolute paths', async () => {
    refused(await call(writeTool, { path: target, content: 'pwned' }), /absolute path outside the workspace/);
    refused(await call(writeTool, { path: path.join(outside, 'new.txt'), content: 'pwned' }), /absolute path outside/);
    refused(await call(editTool, { path: target, oldString: 'original', newString: 'pwned' }), /absolute path outside/);
    outsideUntouched();
    blocked('absolute path', 'write, edit', 'resolveInside');
  });

  // ---- symlinks ----
  itSandbox('a symlink to an outside directory, made by bash, then written through', async () => {
    const made = await bash(
      `ln -s ${outside} outlink && ln -s ${target} filelink && ln -s ${outside}/new.txt dangling && echo MADE`,
    );
    expect(output(made)).toContain('MADE'); // the links exist on the host; what matters is that nothing follows them out
    refused(await call(writeTool, { path: 'outlink/target.txt', content: 'pwned' }), /symbolic link to .*outside/);
    refused(await call(writeTool, { path: 'outlink/new.txt', content: 'pwned' }), /symbolic link to/);
    refused(await call(writeTool, { path: 'filelink', content: 'pwned' }), /symbolic link to/);
    refused(await call(writeTool, { path: 'dangling', content: 'pwned' }), /symbolic link whose target does not exist/);
    refused(await call(editTool, { path: 'filelink', oldString: 'original', newString: 'pwned' }), /symbolic link to/);
    refused(
      await call(editTool, { path: 'outlink/target.txt', oldString: 'original', newString: 'pwned' }),
      /symbolic link/,
    );
    outsideUntouched();
    blocked(
      'symlink to outside (dir, file, dangling)',
      'write, edit',
      'resolveInside (realpath of nearest existing ancestor)',
    );
  });

  itSandbox('writing through the same symlinks from bash', async () => {
    await bash('echo pwned > outlink/target.txt; echo pwned > filelink; echo pwned > dangling; cp app.py outlink/');
    outsideUntouched();
    blocked('write through symlinks', 'bash', 'mount namespace (outside not mounted)');
  });

  itSandbox('reading and searching through the symlinks', async () => {
    fs.writeFileSync(target, `original`);
    refused(await call(readTool, { path: 'filelink' }), /symbolic link to/);
    refused(await call(readTool, { path: 'outlink/target.txt' }), /symbolic link to/);
    const g = await call(grepTool, { pattern: 'original' });
    expect(output(g)).not.toContain('target.txt');
    expect(output(g)).toMatch(/^No matches/);
    expect(output(await call(globTool, { pattern: '**/*.txt' }))).not.toContain('target.txt');
    blocked(
      'read/grep/glob through symlinks',
      'read, grep, glob',
      'resolveInside; listings drop links leaving the workspace',
    );
  });

  // ---- redirections and wrapper commands ----
  itSandbox('redirections to absolute and ../ paths', async () => {
    await bash(
      `echo pwned > ${target}; echo pwned >> ${target}; cd .. && echo pwned > ${target}; echo pwned | tee ${outside}/new.txt`,
    );
    outsideUntouched();
    blocked('shell redirections (>, >>, tee, cd ..)', 'bash', 'mount namespace');
  });

  itSandbox('wrapper commands: sh -c, env, find -exec, python -c, xargs', async () => {
    await bash(
      [
        `sh -c 'echo pwned > ${target}'`,
        `env sh -c 'echo pwned > ${target}'`,
        `find . -maxdepth 0 -exec sh -c 'echo pwned > ${target}' \\;`,
        `python3 -c "open('${target}', 'w').write('pwned')"`,
        `echo ${target} | xargs -I{} sh -c 'echo pwned > {}'`,
      ].join('; '),
    );
    outsideUntouched();
    blocked('wrapper commands (sh -c, env, find -exec, python -c, xargs)', 'bash', 'mount namespace');
  });

  // ---- Orbit's data and the home directory ----
  itSandbox("reading Orbit's secrets and database", async () => {
    const r = await bash(
      `cat ${orbitHome}/secrets/jwt.key; cat ${orbitHome}/db/PG_VERSION; cat ../../secrets/jwt.key; ls ${orbitHome}`,
    );
    expect(output(r)).not.toContain(SECRET);
    expect(output(r)).toContain('No such file or directory');
    refused(await call(readTool, { path: '../../secrets/jwt.key' }), /"\.\." components lead outside/);
    refused(await call(readTool, { path: path.join(orbitHome, 'db', 'PG_VERSION') }), /absolute path outside/);
    refused(await call(grepTool, { pattern: 'secret', path: '../../secrets' }), /outside/);
    blocked("Orbit's data ($ORBIT_HOME/secrets, db)", 'bash, read, grep', 'mount namespace; resolveInside');
  });

  itSandbox("reading the user's home directory", async () => {
    const home = os.homedir();
    const r = await bash(
      `ls -a ${home} && echo LISTED; cat ${home}/.bash_history ${home}/.ssh/id_rsa ${home}/.gitconfig`,
    );
    expect(output(r)).not.toContain('LISTED');
    expect(output(r)).toContain('No such file or directory');
    refused(await call(readTool, { path: home }), /absolute path outside/);
    blocked("the user's home directory", 'bash, read', 'mount namespace; resolveInside');
  });

  itSandbox('reading /etc/shadow and the host processes', async () => {
    const r = await bash('cat /etc/shadow && echo READ; echo "PROCS=$(ls /proc | grep -c "^[0-9]")"');
    expect(output(r)).not.toContain('READ');
    const count = Number(/PROCS=(\d+)/.exec(output(r))?.[1]);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThan(10); // its own pid namespace: only the step's processes
    blocked('/etc/shadow, host processes', 'bash', 'not mounted; pid namespace');
  });

  // ---- git as a way out ----
  itSandbox('planting a git hook or filter for Orbit’s host-side git to run', async () => {
    const pwned = path.join(outside, 'pwned');
    const r = await bash(
      `printf '[core]\\n\\thooksPath = hooks\\n[filter "x"]\\n\\tclean = touch ${pwned}\\n' >> .git/config && echo CONFIGURED; mkdir -p .git/hooks && printf '#!/bin/sh\\ntouch ${pwned}\\n' > .git/hooks/pre-commit`,
    );
    expect(output(r)).not.toContain('CONFIGURED');
    refused(
      await call(writeTool, { path: '.git/hooks/pre-commit', content: `#!/bin/sh\ntouch ${pwned}\n` }),
      /inside \.git/,
    );
    refused(
      await call(editTool, { path: '.git/config', oldString: '[core]', newString: '[core]\n\thooksPath = x' }),
      /inside \.git/,
    );
    await call(writeTool, { path: '.gitattributes', content: '* filter=x\n' });
    await call(writeTool, { path: 'hooked.txt', content: 'x\n' });
    const c = await call(gitTool, {
      subcommand: 'commit',
      message: 'trigger',
      paths: ['.gitattributes', 'hooked.txt'],
    });
    expect(output(c)).toContain('Committed');
    expect(fs.existsSync(pwned)).toBe(false);
    refused(await call(gitTool, { subcommand: 'push' }), /Invalid arguments for git/);
    outsideUntouched();
    blocked(
      'git hook / filter / push',
      'bash, write, edit, git',
      '.git read-only in the sandbox; tools refuse .git; hooks off',
    );
  });

  // ---- resources ----
  itSandbox('a fork bomb', async () => {
    const m = marker();
    const r = await bash(`bomb() { sleep ${m} & bomb | bomb & }; bomb; wait`, { sandbox: { maxProcesses: 64 } }, 2);
    expect(output(r)).toContain('time limit');
    expect(survivors(`sleep ${m}`)).toBe('');
    blocked('fork bomb', 'bash', 'process limit (pids cgroup / RLIMIT_NPROC), then time limit; tree killed');
  });

  itSandbox('runaway memory', async () => {
    const r = await bash('python3 -c "a = []\nwhile True: a.append(bytearray(8 * 1024 * 1024))"', {
      sandbox: { memoryBytes: 256 * 1024 ** 2, timeoutMs: 20_000 },
    });
    if (availability.limits !== 'rlimit') expect(output(r)).toContain('more memory than allowed');
    else expect(output(r)).toContain('MemoryError');
    expect(r.ok && (r.data as { exitCode: number | null }).exitCode).not.toBe(0);
    blocked('runaway memory', 'bash', 'memory cgroup (or RLIMIT_AS)');
  });

  itSandbox('sleeping forever', async () => {
    const m = marker();
    const r = await bash(`trap '' TERM INT HUP; sleep ${m}; echo WOKE`, {}, 1);
    expect(output(r)).toContain('ran past its 1 s time limit');
    expect(output(r)).not.toContain('WOKE');
    expect(survivors(`sleep ${m}`)).toBe('');
    blocked('sleeping forever (ignoring SIGTERM)', 'bash', 'time limit; SIGKILL of the whole tree');
  });

  itSandbox('leaving background processes behind', async () => {
    const m = marker();
    const r = await bash(
      `nohup sleep ${m} >/dev/null 2>&1 & setsid sleep ${m} & (sleep ${m} &) ; disown -a; echo started`,
    );
    expect(output(r)).toContain('exit code 0');
    expect(survivors(`sleep ${m}`)).toBe('');
    blocked('background processes (nohup, setsid, disown)', 'bash', 'pid namespace dies with the step');
  });

  itSandbox('a step cancelled mid-command', async () => {
    const m = marker();
    const controller = new AbortController();
    const running = bash(`sleep ${m} & sleep ${m}`, { signal: controller.signal });
    for (let i = 0; i < 200 && survivors(`sleep ${m}`) === ''; i++) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    const r = await running;
    expect(output(r)).toContain('the run was cancelled');
    expect(survivors(`sleep ${m}`)).toBe('');
    blocked('processes of a cancelled step', 'bash', 'abort kills the whole tree');
  });
});
