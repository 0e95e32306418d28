import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it as plainIt } from 'vitest';
import { cleanupOptionsFromConfig, createCleanupJob, directoryBytes } from '../../src/agent/cleanup/index.ts';
import {
  createWorkspace,
  markWorkspaceFinished,
  recordWorkspace,
  workspacePath,
} from '../../src/agent/workspace/index.ts';
import { loadConfig } from '../../src/platform/config.ts';
import type { Database } from '../../src/platform/db/client.ts';
import { newId } from '../../src/platform/ids.ts';
import { engines, freshDatabase } from '../support/db.ts';
import { initRepo } from '../support/git.ts';
import { itWhen } from '../support/services.ts';

const HOUR = 3600 * 1000;
const NOW = new Date('2026-03-01T12:00:00Z');
let tmp: string;

beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-cleanup-')));
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** A workspace directory with some bytes in it, its agent_workspaces row and its run. */
async function workspace(
  db: Database,
  home: string,
  o: { status: string; finishedHoursAgo?: number; runFinishedHoursAgo?: number; kb?: number },
): Promise<{ runId: string; dir: string; bytes: number }> {
  const runId = newId();
  const dir = workspacePath(home, runId);
  fs.mkdirSync(path.join(dir, '.git'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src', 'data.bin'), Buffer.alloc((o.kb ?? 4) * 1024, 1));
  fs.writeFileSync(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  const runFinished =
    o.runFinishedHoursAgo === undefined ? null : new Date(NOW.getTime() - o.runFinishedHoursAgo * HOUR);
  await db.query(
    `INSERT INTO runs (id, kind, status, input, owner, finished_at) VALUES ($1, 'agent', $2, '{}'::jsonb, 'local', $3)`,
    [runId, o.status, runFinished],
  );
  await recordWorkspace(db, { runId, path: dir, repository: '/src/repo', branch: `orbit/${runId.slice(-8)}-x` });
  if (o.finishedHoursAgo !== undefined) {
    await db.query('UPDATE agent_workspaces SET finished_at = $2 WHERE run_id = $1', [
      runId,
      new Date(NOW.getTime() - o.finishedHoursAgo * HOUR),
    ]);
  }
  return { runId, dir, bytes: directoryBytes(dir) };
}

async function cleanups(db: Database, runId: string) {
  return db.query<{ reason: string; outcome: string; bytes_freed: string | number; detail: string | null }>(
    'SELECT reason, outcome, bytes_freed, detail FROM agent_workspace_cleanups WHERE run_id = $1 ORDER BY at, id',
    [runId],
  );
}

async function removedAt(db: Database, runId: string): Promise<unknown> {
  return (
    await db.query<{ removed_at: unknown }>('SELECT removed_at FROM agent_workspaces WHERE run_id = $1', [runId])
  )[0]?.removed_at;
}

for (const engine of engines) {
  describe(`agent workspace cleanup on ${engine.name}`, () => {
    const it = itWhen(engine.available, engine.reason);

    it('removes finished runs’ workspaces after the delay, never an active run’s, and records each', async () => {
      const db = await freshDatabase(engine.name);
      const home = path.join(tmp, `home-expired-${engine.name}`);
      const old = await workspace(db, home, { status: 'succeeded', finishedHoursAgo: 25, kb: 12 });
      const byRunEnd = await workspace(db, home, { status: 'failed', runFinishedHoursAgo: 30 });
      const recent = await workspace(db, home, { status: 'succeeded', finishedHoursAgo: 1 });
      const resumed = await workspace(db, home, { status: 'running', finishedHoursAgo: 48 });
      const waiting = await workspace(db, home, { status: 'waiting' });
      const job = createCleanupJob({
        database: db,
        home,
        now: () => NOW,
        freeBytes: async () => Number.MAX_SAFE_INTEGER,
      });
      expect(job.cron).toBe('0 * * * *');

      const done = await job.runOnce();
      expect(done.map((d) => [d.runId, d.reason, d.outcome])).toEqual([
        [resumed.runId, 'expired', 'skipped-active'],
        [byRunEnd.runId, 'expired', 'removed'],
        [old.runId, 'expired', 'removed'],
      ]);
      expect(fs.existsSync(old.dir)).toBe(false);
      expect(fs.existsSync(byRunEnd.dir)).toBe(false);
      for (const kept of [recent, resumed, waiting]) expect(fs.existsSync(kept.dir)).toBe(true);
      expect(old.bytes).toBeGreaterThan(12 * 1024);
      expect(await cleanups(db, old.runId)).toEqual([
        { reason: 'expired', outcome: 'removed', bytes_freed: expect.anything(), detail: null },
      ]);
      expect(Number((await cleanups(db, old.runId))[0]?.bytes_freed)).toBe(old.bytes);
      expect(await removedAt(db, old.runId)).not.toBeNull();
      expect(await removedAt(db, resumed.runId)).toBeNull();
      expect((await cleanups(db, resumed.runId))[0]?.detail).toBe('the run is still active');

      // the next pass finds nothing new to remove
      const again = await job.runOnce();
      expect(again.map((d) => d.outcome)).toEqual(['skipped-active']);
    });

    it('leaves a busy (locked) workspace for the next pass, and a stale lock does not keep it', async () => {
      const db = await freshDatabase(engine.name);
      const home = path.join(tmp, `home-busy-${engine.name}`);
      const locked = await workspace(db, home, { status: 'succeeded', finishedHoursAgo: 30 });
      const gitBusy = await workspace(db, home, { status: 'succeeded', finishedHoursAgo: 30 });
      const stale = await workspace(db, home, { status: 'cancelled', finishedHoursAgo: 30 });
      fs.writeFileSync(path.join(locked.dir, '.lock'), String(process.pid));
      fs.utimesSync(path.join(locked.dir, '.lock'), NOW, NOW);
      fs.writeFileSync(path.join(gitBusy.dir, '.git', 'index.lock'), '');
      fs.utimesSync(path.join(gitBusy.dir, '.git', 'index.lock'), NOW, NOW);
      const staleLock = path.join(stale.dir, '.git', 'index.lock');
      fs.writeFileSync(staleLock, '');
      const longAgo = new Date(NOW.getTime() - 7 * HOUR);
      fs.utimesSync(staleLock, longAgo, longAgo);
      const job = createCleanupJob({
        database: db,
        home,
        now: () => NOW,
        freeBytes: async () => Number.MAX_SAFE_INTEGER,
      });

      const first = await job.runOnce();
      const byRun = new Map(first.map((d) => [d.runId, d]));
      expect(byRun.get(locked.runId)?.outcome).toBe('busy');
      expect(byRun.get(locked.runId)?.detail).toContain('.lock is held');
      expect(byRun.get(gitBusy.runId)?.outcome).toBe('busy');
      expect(byRun.get(gitBusy.runId)?.detail).toContain('.git/index.lock is held');
      expect(byRun.get(stale.runId)?.outcome).toBe('removed');
      expect(fs.existsSync(locked.dir)).toBe(true);
      expect(fs.existsSync(gitBusy.dir)).toBe(true);
      expect(fs.existsSync(stale.dir)).toBe(false);

      fs.rmSync(path.join(locked.dir, '.lock'));
      fs.rmSync(path.join(gitBusy.dir, '.git', 'index.lock'));
      const second = await job.runOnce();
      expect(second.map((d) => [d.runId, d.outcome]).sort()).toEqual(
        [
          [locked.runId, 'removed'],
          [gitBusy.runId, 'removed'],
        ].sort(),
      );
      expect((await cleanups(db, locked.runId)).map((c) => c.outcome)).toEqual(['busy', 'removed']);
    });

    it('frees the oldest finished workspaces first when free disk space is low, until it is enough', async () => {
      const db = await freshDatabase(engine.name);
      const home = path.join(tmp, `home-disk-${engine.name}`);
      const oldest = await workspace(db, home, { status: 'succeeded', finishedHoursAgo: 10, kb: 64 });
      const middle = await workspace(db, home, { status: 'failed', finishedHoursAgo: 5, kb: 64 });
      const newest = await workspace(db, home, { status: 'succeeded', finishedHoursAgo: 1, kb: 64 });
      const active = await workspace(db, home, { status: 'running', finishedHoursAgo: 20, kb: 64 });
      // A small disk whose free space is what the workspaces on it leave: removing one really frees its bytes.
      const all = [oldest, middle, newest, active];
      const disk = all.reduce((s, w) => s + w.bytes, 0) + 50 * 1024;
      const freeBytes = async () =>
        disk - all.reduce((s, w) => s + (fs.existsSync(w.dir) ? directoryBytes(w.dir) : 0), 0);
      const minFreeBytes = 50 * 1024 + 2 * oldest.bytes - 1;
      const job = createCleanupJob({ database: db, home, now: () => NOW, freeBytes, minFreeBytes });

      const done = await job.runOnce();
      expect(done.map((d) => [d.runId, d.reason, d.outcome])).toEqual([
        [active.runId, 'low-disk', 'skipped-active'],
        [oldest.runId, 'low-disk', 'removed'],
        [middle.runId, 'low-disk', 'removed'],
      ]);
      expect(fs.existsSync(newest.dir)).toBe(true);
      expect(fs.existsSync(active.dir)).toBe(true);
      expect(await freeBytes()).toBeGreaterThanOrEqual(minFreeBytes);
    });

    it('measures free space with statfs by default', async () => {
      const db = await freshDatabase(engine.name);
      const home = path.join(tmp, `home-statfs-${engine.name}`);
      const finished = await workspace(db, home, { status: 'succeeded', finishedHoursAgo: 2 });
      // No disk has this much free space, so the emergency pass runs on the real statfs figure.
      const job = createCleanupJob({ database: db, home, now: () => NOW, minFreeBytes: Number.MAX_SAFE_INTEGER });
      const done = await job.runOnce();
      expect(done.map((d) => [d.runId, d.reason, d.outcome])).toEqual([[finished.runId, 'low-disk', 'removed']]);
    });

    it('a workspace made by createWorkspace is recorded, finished, and then cleaned up', async () => {
      const db = await freshDatabase(engine.name);
      const home = path.join(tmp, `home-real-${engine.name}`);
      const source = path.join(tmp, `source-${engine.name}`);
      fs.mkdirSync(source);
      fs.writeFileSync(path.join(source, 'a.txt'), 'a\n');
      initRepo(source);
      const runId = newId();
      await db.query(
        `INSERT INTO runs (id, kind, status, input, owner) VALUES ($1, 'agent', 'running', '{}'::jsonb, 'local')`,
        [runId],
      );
      const ws = await createWorkspace({ home, runId, source, slug: 'real', database: db });
      const [row] = await db.query<Record<string, unknown>>('SELECT * FROM agent_workspaces WHERE run_id = $1', [
        runId,
      ]);
      expect(row).toMatchObject({
        path: ws.root,
        repository: source,
        branch: ws.branch,
        finished_at: null,
        removed_at: null,
      });
      const job = createCleanupJob({
        database: db,
        home,
        now: () => NOW,
        delayMs: 0,
        freeBytes: async () => Number.MAX_SAFE_INTEGER,
      });
      expect(await job.runOnce()).toEqual([]); // not finished: not even considered
      await db.query(`UPDATE runs SET status = 'succeeded', finished_at = $2 WHERE id = $1`, [runId, NOW]);
      await markWorkspaceFinished(db, runId, new Date(NOW.getTime() - HOUR));
      const [done] = await job.runOnce();
      expect(done).toMatchObject({ runId, reason: 'expired', outcome: 'removed' });
      expect(done?.bytesFreed).toBeGreaterThan(0);
      expect(fs.existsSync(ws.root)).toBe(false);
    });

    it('refuses to remove a recorded path outside $ORBIT_HOME/workspaces, and removes on demand', async () => {
      const db = await freshDatabase(engine.name);
      const home = path.join(tmp, `home-outside-${engine.name}`);
      const elsewhere = path.join(tmp, `not-a-workspace-${engine.name}`);
      fs.mkdirSync(elsewhere);
      fs.writeFileSync(path.join(elsewhere, 'keep.txt'), 'keep');
      const runId = newId();
      await db.query(
        `INSERT INTO runs (id, kind, status, input, owner) VALUES ($1, 'agent', 'succeeded', '{}'::jsonb, 'local')`,
        [runId],
      );
      await recordWorkspace(db, { runId, path: elsewhere, repository: 'r', branch: 'b' });
      await db.query('UPDATE agent_workspaces SET finished_at = $2 WHERE run_id = $1', [
        runId,
        new Date(NOW.getTime() - 48 * HOUR),
      ]);
      const job = createCleanupJob({
        database: db,
        home,
        now: () => NOW,
        freeBytes: async () => Number.MAX_SAFE_INTEGER,
      });
      const [record] = await job.runOnce();
      expect(record?.outcome).toBe('failed');
      expect(record?.detail).toContain('not under');
      expect(fs.readFileSync(path.join(elsewhere, 'keep.txt'), 'utf8')).toBe('keep');

      const fresh = await workspace(db, home, { status: 'succeeded' });
      const manual = await job.removeNow(fresh.runId);
      expect(manual).toMatchObject({ reason: 'manual', outcome: 'removed', bytesFreed: fresh.bytes });
      expect(fs.existsSync(fresh.dir)).toBe(false);
      expect(await job.removeNow(fresh.runId)).toBeUndefined();
    });
  });
}

describe('cleanup configuration', () => {
  plainIt('reads the delay and the free-space threshold from the environment', () => {
    expect(cleanupOptionsFromConfig(loadConfig({}))).toEqual({ delayMs: 24 * HOUR, minFreeBytes: 1024 * 1024 * 1024 });
    expect(
      cleanupOptionsFromConfig(
        loadConfig({ ORBIT_AGENT_WORKSPACE_TTL_HOURS: '2', ORBIT_AGENT_MIN_FREE_DISK_MB: '10' }),
      ),
    ).toEqual({ delayMs: 2 * HOUR, minFreeBytes: 10 * 1024 * 1024 });
    expect(() => loadConfig({ ORBIT_AGENT_WORKSPACE_TTL_HOURS: 'soon' })).toThrow(/ORBIT_AGENT_WORKSPACE_TTL_HOURS/);
  });
});
