import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, hasPostgres, itWhen, POSTGRES_MISSING, postgresUrl } from '../support/services.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Runs the real `orbit` entry point the way a user does, in a scratch ORBIT_HOME. */
function orbit(args: string[], env: Record<string, string | undefined> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-cli-'));
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/orbit.js'), ...args], {
      env: { PATH: process.env.PATH, HOME: home, ORBIT_HOME: home, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('orbit CLI', () => {
  it('teaches with --help, with examples, on every command', async () => {
    const top = await orbit(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['serve', 'worker', 'migrate', 'runs', 'usage', 'workflow', 'keys', 'doctor', 'config']) {
      expect(top.stdout).toContain(c);
    }
    for (const c of [
      ['serve'],
      ['runs', 'watch'],
      ['doctor'],
      ['keys'],
      ['usage'],
      ['workflow'],
      ['workflow', 'generate'],
    ]) {
      const r = await orbit([...c, '--help']);
      expect(r.code, c.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Example/);
    }
  });

  it('stops on an invalid environment value with a precise message and exit code 2', async () => {
    const r = await orbit(['config'], { ORBIT_PORT: 'eighty' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ORBIT_PORT: "eighty" is not a whole number');
    expect(r.stderr).toContain('ORBIT_PORT=8080');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack dump
  });

  it('says clearly when the database cannot be reached, without a stack dump', async () => {
    const port = await freePort();
    const r = await orbit(['migrate'], { DATABASE_URL: `postgres://orbit:hunter2@127.0.0.1:${port}/orbit` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Cannot reach PostgreSQL at 127.0.0.1:${port}/orbit (ECONNREFUSED)`);
    expect(r.stderr).not.toContain('hunter2');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const json = await orbit(['migrate', '--json'], {
      DATABASE_URL: `postgres://orbit:hunter2@127.0.0.1:${port}/orbit`,
    });
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { type: 'database-unavailable' } });
  });

  it('migrates the embedded database, twice without harm', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-home-'));
    for (let i = 0; i < 2; i++) {
      const r = await orbit(['migrate', '--json'], { ORBIT_HOME: home });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ migrated: true });
    }
  });

  itWhen(hasPostgres, POSTGRES_MISSING)('doctor tells the truth about the database', async () => {
    const good = await orbit(['doctor', '--json'], { DATABASE_URL: postgresUrl });
    const report = JSON.parse(good.stdout) as { ok: boolean; checks: { part: string; status: string }[] };
    expect(good.code).toBe(0);
    expect(report.checks.find((c) => c.part === 'Database')?.status).toBe('ok');
    const port = await freePort();
    const bad = await orbit(['doctor', '--json'], { DATABASE_URL: `postgres://x:y@127.0.0.1:${port}/x` });
    expect(bad.code).toBe(1);
    const badReport = JSON.parse(bad.stdout) as typeof report;
    expect(badReport.ok).toBe(false);
    expect(badReport.checks.find((c) => c.part === 'Database')).toMatchObject({ status: 'broken' });
  });

  it('says how to start the server when runs commands cannot reach it', async () => {
    const port = await freePort();
    const r = await orbit(['runs', 'list'], { ORBIT_URL: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Cannot reach the Orbit server at http://127.0.0.1:${port}`);
    expect(r.stderr).toContain('npm start');
  });
});
