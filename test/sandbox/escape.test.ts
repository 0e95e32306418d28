import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import {
  runSandboxed,
  type SandboxOptions,
  type SandboxResult,
  sandboxAvailable,
} from '../../src/platform/sandbox/index.ts';
import { itWhen } from '../support/services.ts';

/**
 * Escape attempts against the sandbox. Each one asserts on the host's state (files, processes, connections), not on
 * the sandboxed command's own report, and counts itself as blocked only when every assertion holds.
 */
const availability = await sandboxAvailable();
const itSandbox = itWhen(availability.available, `the bubblewrap sandbox is unavailable: ${availability.reason}`);

const SECRET = `secret-${Math.random().toString(36).slice(2)}`;
let root: string;
let ws: string;
let outside: string;
let target: string;
let home: string;
let orbitHome: string;
let blocked = 0;

function sh(script: string, extra: Partial<SandboxOptions> = {}): Promise<SandboxResult> {
  return runSandboxed({ command: 'sh', args: ['-c', script], cwd: ws, workspace: ws, timeoutMs: 5000, ...extra });
}

function outsideUntouched(): void {
  expect(fs.readFileSync(target, 'utf8')).toBe('original');
  expect(fs.readdirSync(outside)).toEqual(['target.txt']);
}

function marker(): string {
  return `1000.${Math.floor(Math.random() * 1e6)}`;
}

function survivors(pattern: string): string {
  return spawnSync('pgrep', ['-af', pattern], { encoding: 'utf8' }).stdout.trim();
}

beforeAll(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-escape-')));
  ws = path.join(root, 'workspace');
  outside = path.join(root, 'outside');
  target = path.join(outside, 'target.txt');
  home = path.join(root, 'home');
  orbitHome = path.join(root, 'orbit-home');
  fs.mkdirSync(ws);
  fs.mkdirSync(outside);
  fs.writeFileSync(target, 'original');
  fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
  fs.writeFileSync(path.join(home, '.ssh', 'id_rsa'), SECRET);
  fs.mkdirSync(path.join(orbitHome, 'secrets'), { recursive: true });
  fs.writeFileSync(path.join(orbitHome, 'secrets', 'jwt'), SECRET);
});

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  console.log(`[sandbox] escape attempts blocked: ${blocked}`);
});

describe('sandbox escape attempts', () => {
  itSandbox('cannot connect to a TCP server on the host loopback', async () => {
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = await runSandboxed({
        command: 'python3',
        args: ['-c', `import socket; socket.create_connection(('127.0.0.1', ${port}), timeout=2); print('CONNECTED')`],
        cwd: ws,
        workspace: ws,
        timeoutMs: 5000,
      });
      expect(r.exitCode).not.toBe(0);
      expect(r.stdout).not.toContain('CONNECTED');
      expect(r.stderr).toMatch(/ConnectionRefused|Network is unreachable|Connection refused/);
      expect(connections).toBe(0);
      blocked++;
    } finally {
      server.close();
    }
  });

  itSandbox('cannot resolve names and sees only a loopback interface', async () => {
    const r = await runSandboxed({
      command: 'python3',
      args: [
        '-c',
        "import socket; print(sorted(n for _, n in socket.if_nameindex())); socket.getaddrinfo('example.com', 443)",
      ],
      cwd: ws,
      workspace: ws,
      timeoutMs: 5000,
    });
    expect(r.stdout.trim()).toBe("['lo']");
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('gaierror');
    blocked++;
  });

  itSandbox('cannot write outside through an absolute path', async () => {
    await sh(`echo pwned > ${target}; echo pwned > ${outside}/new.txt`);
    outsideUntouched();
    blocked++;
  });

  itSandbox('cannot write outside through ../ paths', async () => {
    await sh('echo pwned > ../outside/target.txt; mkdir -p ../outside && echo pwned > ../outside/new.txt');
    outsideUntouched();
    blocked++;
  });

  itSandbox('cannot write outside through a symlink it makes in the workspace', async () => {
    await sh(`ln -s ${outside} escape && echo pwned > escape/target.txt; ln -s ${target} link && echo pwned > link`);
    outsideUntouched();
    blocked++;
  });

  itSandbox('cannot write outside through a symlink the repository already contains', async () => {
    fs.symlinkSync(outside, path.join(ws, 'repo-link'));
    fs.symlinkSync('../outside/target.txt', path.join(ws, 'relative-link'));
    const r = await sh('echo pwned > repo-link/target.txt; echo pwned >> relative-link; cat relative-link');
    expect(r.stdout).not.toContain('original');
    outsideUntouched();
    blocked++;
  });

  itSandbox('cannot write system directories through redirections and tee', async () => {
    const name = `orbit-pwned-${Math.random().toString(36).slice(2)}`;
    await sh(`echo pwned > /usr/local/${name}; echo pwned | tee /usr/${name} /etc/${name}; echo x >> /usr/bin/env`);
    for (const p of [`/usr/local/${name}`, `/usr/${name}`, `/etc/${name}`]) expect(fs.existsSync(p)).toBe(false);
    blocked++;
  });

  itSandbox('cannot write outside through wrapper commands (env, sh -c, python3 -c, find -exec, xargs)', async () => {
    await runSandboxed({
      command: 'env',
      args: ['sh', '-c', `echo pwned > ${target}`],
      cwd: ws,
      workspace: ws,
      timeoutMs: 5000,
    });
    await runSandboxed({
      command: 'python3',
      args: ['-c', `open(${JSON.stringify(target)}, 'w').write('pwned')`],
      cwd: ws,
      workspace: ws,
      timeoutMs: 5000,
    });
    await sh(`find . -maxdepth 0 -exec sh -c 'echo pwned > ${target}' \\;`);
    await sh(`echo ${target} | xargs -I{} sh -c 'echo pwned > {}'`);
    outsideUntouched();
    blocked++;
  });

  itSandbox('cannot regain capabilities to remount /usr read-write', async () => {
    const name = `orbit-pwned-${Math.random().toString(36).slice(2)}`;
    const r = await sh(`mount -o remount,rw,bind /usr && touch /usr/${name}; grep CapEff /proc/self/status`);
    expect(r.stdout).toContain('CapEff:\t0000000000000000');
    expect(fs.existsSync(`/usr/${name}`)).toBe(false);
    blocked++;
  });

  itSandbox('cannot create a nested user namespace to gain capabilities', async () => {
    const name = `orbit-pwned-${Math.random().toString(36).slice(2)}`;
    const r = await sh(`unshare -r sh -c 'mount -o remount,rw,bind /usr; touch /usr/${name}' && echo NESTED`);
    expect(r.stdout).not.toContain('NESTED');
    expect(fs.existsSync(`/usr/${name}`)).toBe(false);
    blocked++;
  });

  itSandbox("cannot read a secret in the user's home or in Orbit's data directory", async () => {
    const r = await sh(
      `cat ${home}/.ssh/id_rsa; cat ${orbitHome}/secrets/jwt; ls -la ${os.homedir()}; cat ~/.ssh/id_rsa; find / -path /proc -prune -o -path /usr -prune -o -name id_rsa -print`,
      { env: { HOME: home } },
    );
    expect(r.stdout).not.toContain(SECRET);
    expect(r.stdout).not.toContain('id_rsa');
    expect(r.stderr).not.toContain(SECRET);
    expect(r.stderr).toContain('No such file or directory');
    blocked++;
  });

  itSandbox('cannot read /etc/shadow', async () => {
    const r = await sh('cat /etc/shadow && echo READ');
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).not.toContain('READ');
    expect(r.stdout).not.toContain('root:');
    blocked++;
  });

  itSandbox('cannot kill a process running on the host', async () => {
    const victim: ChildProcess = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const pid = victim.pid!;
      await sh(`kill -9 ${pid}; kill -9 -1; pkill sleep; true`);
      expect(victim.exitCode).toBeNull();
      expect(() => process.kill(pid, 0)).not.toThrow();
      blocked++;
    } finally {
      victim.kill('SIGKILL');
    }
  });

  itSandbox('bounds forking by the process limit', async () => {
    const r = await runSandboxed({
      command: 'python3',
      args: [
        '-c',
        [
          'import os, time',
          'n = 0',
          'try:',
          '    for _ in range(500):',
          '        if os.fork() == 0:',
          '            time.sleep(30); os._exit(0)',
          '        n += 1',
          'except OSError as e:',
          '    print("refused", e.errno)',
          'print("forked", n)',
        ].join('\n'),
      ],
      cwd: ws,
      workspace: ws,
      timeoutMs: 10_000,
      maxProcesses: 20,
    });
    expect(r.stdout).toContain('refused 11'); // EAGAIN
    const forked = Number(/forked (\d+)/.exec(r.stdout)?.[1]);
    expect(forked).toBeGreaterThan(0);
    expect(forked).toBeLessThan(20);
    blocked++;
  });

  itSandbox('ends a classic fork bomb at the time limit with nothing left running', async () => {
    const m = marker();
    const r = await sh(`bomb() { sleep ${m} & bomb | bomb & }; bomb; wait`, { timeoutMs: 1500, maxProcesses: 32 });
    expect(r.killedReason).toBe('timeout');
    expect(survivors(`sleep ${m}`)).toBe('');
    blocked++;
  });

  itSandbox('kills a runaway allocation at the memory limit', async () => {
    const r = await runSandboxed({
      command: 'python3',
      args: ['-c', 'a = []\nwhile True: a.append(bytearray(8 * 1024 * 1024))\n'],
      cwd: ws,
      workspace: ws,
      timeoutMs: 10_000,
      memoryBytes: 128 * 1024 ** 2,
    });
    expect(r.exitCode).not.toBe(0);
    if (availability.limits !== 'rlimit') {
      expect(r.killedReason).toBe('memory');
      expect(r.signal).toBe('SIGKILL');
    } else {
      expect(r.stderr).toContain('MemoryError');
    }
    blocked++;
  });

  itSandbox('stops a CPU spinner at its CPU-seconds limit', async () => {
    const r = await runSandboxed({
      command: 'python3',
      args: ['-c', 'while True: pass'],
      cwd: ws,
      workspace: ws,
      timeoutMs: 10_000,
      cpuSeconds: 1,
    });
    expect(r.killedReason).toBe('cpu');
    expect(r.signal).toBe('SIGXCPU');
    blocked++;
  });

  itSandbox('kills a process that ignores SIGTERM when the timeout passes', async () => {
    const m = marker();
    const r = await sh(`trap '' TERM INT HUP; sleep ${m}; echo SURVIVED`, { timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    expect(r.killedReason).toBe('timeout');
    expect(r.stdout).not.toContain('SURVIVED');
    expect(survivors(`sleep ${m}`)).toBe('');
    blocked++;
  });

  itSandbox('leaves no background child behind when the command exits', async () => {
    const m = marker();
    const r = await sh(`nohup sleep ${m} > /dev/null 2>&1 & setsid sleep ${m} & echo started`);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('started');
    expect(r.timedOut).toBe(false);
    expect(survivors(`sleep ${m}`)).toBe('');
    blocked++;
  });

  itSandbox('truncates huge output and stops the step', async () => {
    const r = await sh('head -c 20000000 /dev/zero | tr "\\0" a', { maxOutputBytes: 64 * 1024 });
    expect(r.outputTruncated).toBe(true);
    expect(r.stdout.length).toBe(64 * 1024);
    expect(r.killedReason).toBe('output');
    blocked++;
  });

  itSandbox("keeps /tmp private: files written there never reach the host's /tmp", async () => {
    const name = `orbit-tmp-${Math.random().toString(36).slice(2)}`;
    const r = await sh(`echo x > /tmp/${name} && cat /tmp/${name}`);
    expect(r.stdout.trim()).toBe('x');
    expect(fs.existsSync(path.join('/tmp', name))).toBe(false);
    blocked++;
  });
});
