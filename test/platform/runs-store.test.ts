import { describe, expect } from 'vitest';
import { ConflictError } from '../../src/platform/errors.ts';
import type { RunEvent } from '../../src/platform/runs/index.ts';
import { ArtifactStore, EventLog, RunStore } from '../../src/platform/runs/index.ts';
import { engines, freshDatabase } from '../support/db.ts';
import { itWhen } from '../support/services.ts';

for (const engine of engines) {
  describe(`runs on ${engine.name}`, () => {
    const it = itWhen(engine.available, engine.reason);

    it('creates queued runs and applies only legal transitions', async () => {
      const db = await freshDatabase(engine.name);
      const store = new RunStore(db);
      const { run } = await store.create({ kind: 'test', input: { a: 1 }, owner: 'local' });
      expect(run.status).toBe('queued');
      expect(run.input).toEqual({ a: 1 });
      const claimed = await store.claim(run.id, 'w1');
      expect(claimed?.status).toBe('running');
      expect(claimed?.attempt).toBe(1);
      expect(await store.claim(run.id, 'w2')).toBeNull();
      const done = await store.transition(run.id, 'succeeded', { output: { ok: true } });
      expect(done.finishedAt).not.toBeNull();
      await expect(store.transition(run.id, 'running')).rejects.toMatchObject({ type: 'run-finished', status: 409 });
      await expect(store.transition(run.id, 'cancelled')).rejects.toBeInstanceOf(ConflictError);
      await expect(store.get('0190aaaa-0000-7000-8000-000000000000')).rejects.toMatchObject({ status: 404 });
    });

    it('returns the same run for a repeated idempotency key', async () => {
      const db = await freshDatabase(engine.name);
      const store = new RunStore(db);
      const a = await store.create({ kind: 'test', input: {}, owner: 'k1', idempotencyKey: 'abc' });
      const b = await store.create({ kind: 'test', input: {}, owner: 'k1', idempotencyKey: 'abc' });
      const c = await store.create({ kind: 'test', input: {}, owner: 'k2', idempotencyKey: 'abc' });
      expect(a.created).toBe(true);
      expect(b.created).toBe(false);
      expect(b.run.id).toBe(a.run.id);
      expect(c.run.id).not.toBe(a.run.id);
      await expect(
        store.create({ kind: 'other', input: {}, owner: 'k1', idempotencyKey: 'abc' }),
      ).rejects.toMatchObject({
        type: 'idempotency-key-reused',
      });
    });

    it('lists newest first with a cursor and filters', async () => {
      const db = await freshDatabase(engine.name);
      const store = new RunStore(db);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await store.create({ kind: i % 2 ? 'odd' : 'even', input: i, owner: 'o' })).run.id);
      const page1 = await store.list({ limit: 2 });
      expect(page1.map((r) => r.id)).toEqual([ids[4], ids[3]]);
      const page2 = await store.list({ limit: 2, before: page1[1]?.id });
      expect(page2.map((r) => r.id)).toEqual([ids[2], ids[1]]);
      expect((await store.list({ kind: 'odd' })).map((r) => r.id)).toEqual([ids[3], ids[1]]);
    });

    it('keeps event numbers gapless and unique under 50 concurrent emitters', async () => {
      const db = await freshDatabase(engine.name);
      const store = new RunStore(db);
      const log = new EventLog(db);
      const { run } = await store.create({ kind: 'test', input: {}, owner: 'o' });
      const perEmitter = 10;
      const appended = await Promise.all(
        Array.from({ length: 50 }, (_, e) =>
          (async () => {
            const seqs: number[] = [];
            for (let i = 0; i < perEmitter; i++) seqs.push((await log.append(run.id, 'tick', { e, i })).seq);
            return seqs;
          })(),
        ),
      );
      const all = appended.flat().sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: 50 * perEmitter }, (_, i) => i + 1));
      const stored = await log.list(run.id, 0, 10_000);
      expect(stored.map((e) => e.seq)).toEqual(all);
      // Each emitter's own events keep their order.
      for (let e = 0; e < 50; e++) {
        const mine = stored.filter((x) => x.data.e === e).map((x) => x.data.i);
        expect(mine).toEqual(Array.from({ length: perEmitter }, (_, i) => i));
      }
      await log.close();
    });

    it('delivers past and live events to a subscriber exactly once, in order', async () => {
      const db = await freshDatabase(engine.name);
      const store = new RunStore(db);
      const log = new EventLog(db);
      const { run } = await store.create({ kind: 'test', input: {}, owner: 'o' });
      for (let i = 1; i <= 5; i++) await log.append(run.id, 'past', { i });
      const seen: RunEvent[] = [];
      const late: RunEvent[] = [];
      const unsubscribe = await log.subscribe(run.id, 2, (e) => seen.push(e));
      const unsubscribeLate = await log.subscribe(run.id, 0, (e) => late.push(e));
      await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(run.id, 'live', { i })));
      await waitFor(() => seen.length === 23 && late.length === 25);
      expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: 23 }, (_, i) => i + 3));
      expect(late.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      unsubscribe();
      unsubscribeLate();
      await log.append(run.id, 'after', {});
      await new Promise((r) => setTimeout(r, 100));
      expect(seen).toHaveLength(23);
      await log.close();
    });

    it('stores artifacts with content type and rejects traversal and oversize', async () => {
      const db = await freshDatabase(engine.name);
      const store = new RunStore(db);
      const artifacts = new ArtifactStore(db, 1024);
      const { run } = await store.create({ kind: 'test', input: {}, owner: 'o' });
      await artifacts.put(run.id, 'report.json', 'application/json', '{"a":1}');
      const got = await artifacts.get(run.id, 'report.json');
      expect(got.data.toString()).toBe('{"a":1}');
      expect(got.contentType).toBe('application/json');
      expect((await artifacts.list(run.id)).map((a) => a.name)).toEqual(['report.json']);
      for (const bad of ['../etc/passwd', '/etc/passwd', 'a/b', '.env', 'a..b', '']) {
        await expect(artifacts.put(run.id, bad, 'text/plain', 'x')).rejects.toMatchObject({
          type: 'invalid-artifact-name',
          status: 400,
        });
      }
      await expect(
        artifacts.put(run.id, 'big.bin', 'application/octet-stream', Buffer.alloc(2048)),
      ).rejects.toMatchObject({
        status: 413,
      });
      await expect(artifacts.get(run.id, 'missing.txt')).rejects.toMatchObject({ status: 404 });
    });

    it('adds usage counters atomically', async () => {
      const db = await freshDatabase(engine.name);
      const store = new RunStore(db);
      const { run } = await store.create({ kind: 'test', input: {}, owner: 'o' });
      await Promise.all(Array.from({ length: 10 }, () => store.addUsage(run.id, { wallMs: 5, calls: 1 })));
      expect((await store.get(run.id)).usage).toEqual({ wallMs: 50, calls: 10 });
    });

    it('applies migrations twice without harm', async () => {
      const db = await freshDatabase(engine.name);
      await db.migrate();
      await db.migrate();
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM runs'))[0]?.n).toBe(0);
    });
  });
}

async function waitFor(cond: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
