import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../db/client.ts';
import { ValidationError } from '../errors.ts';
import { ApiKeyStore, describeKey } from './keys.ts';

let database: Database;
let store: ApiKeyStore;
beforeAll(async () => {
  database = await openDatabase({ dataDir: 'memory://' });
  await database.migrate();
  store = new ApiKeyStore(database);
});
afterAll(() => database.close());

describe('ApiKeyStore', () => {
  it('returns a recognisable secret once and stores only its SHA-256', async () => {
    const { key, secret } = await store.create({ name: '  ci  ', role: 'member' });
    expect(secret).toMatch(new RegExp(`^orbit_${key.prefix}_[A-Za-z0-9]{40}$`));
    expect(key).toMatchObject({ name: 'ci', role: 'member', lastUsedAt: null, revokedAt: null });
    expect(key.prefix).toMatch(/^[a-z0-9]{8}$/);
    expect(new Date(key.createdAt).toISOString()).toBe(key.createdAt);

    const [row] = await database.query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [key.id]);
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(secret.split('_')[2]);
    const { createHash } = await import('node:crypto');
    expect(row?.secret_hash).toBe(createHash('sha256').update(secret).digest('hex'));

    const listed = await store.list();
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(JSON.stringify(listed)).not.toContain(String(row?.secret_hash));
    expect(Object.keys(listed.find((k) => k.id === key.id) ?? {}).sort()).toEqual(
      ['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'role'].sort(),
    );
  });

  it('verifies the exact secret only, and records when it was last used', async () => {
    const { key, secret } = await store.create({ name: 'alice', role: 'viewer' });
    const verified = await store.verify(secret);
    expect(verified).toMatchObject({ id: key.id, role: 'viewer' });
    expect((await store.get(key.id))?.lastUsedAt).not.toBeNull();

    const last = secret.at(-1) === 'a' ? 'b' : 'a';
    expect(await store.verify(secret.slice(0, -1) + last)).toBeNull();
    expect(await store.check(secret.slice(0, -1) + last)).toEqual({ status: 'unknown', prefix: key.prefix });
    expect(await store.check(`orbit_zzzzzzzz_${'A'.repeat(40)}`)).toEqual({ status: 'unknown', prefix: 'zzzzzzzz' });
    expect(await store.check('orbit_short')).toEqual({ status: 'malformed' });
    expect(await store.check(`${secret} `)).toEqual({ status: 'malformed' });
    expect(describeKey(secret)).toBe(`orbit_${key.prefix}_…`);
  });

  it('writes last_used_at at most once a minute', async () => {
    const { key, secret } = await store.create({ name: 'busy', role: 'viewer' });
    const old = new Date(Date.now() - 120_000);
    await database.query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1', [key.id, old]);
    await store.verify(secret);
    const first = (await store.get(key.id))?.lastUsedAt;
    expect(new Date(first as string).getTime()).toBeGreaterThan(old.getTime());
    const recent = new Date(Date.now() - 10_000);
    await database.query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1', [key.id, recent]);
    await store.verify(secret);
    expect((await store.get(key.id))?.lastUsedAt).toBe(recent.toISOString());
  });

  it('revokes by id or prefix, idempotently; a revoked key no longer verifies', async () => {
    const a = await store.create({ name: 'a', role: 'admin' });
    const b = await store.create({ name: 'b', role: 'admin' });
    const before = await store.count();
    const revokedA = await store.revoke(a.key.id);
    expect(revokedA.revokedAt).not.toBeNull();
    expect(await store.verify(a.secret)).toBeNull();
    expect(await store.check(a.secret)).toMatchObject({ status: 'revoked', key: { id: a.key.id } });
    expect((await store.revoke(a.key.id)).revokedAt).toBe(revokedA.revokedAt);
    expect((await store.revoke(`orbit_${b.key.prefix}`)).id).toBe(b.key.id);
    expect(await store.verify(b.secret)).toBeNull();
    expect(await store.count()).toBe(before - 2);
    expect((await store.list()).filter((k) => k.revokedAt).map((k) => k.id)).toEqual(
      expect.arrayContaining([a.key.id, b.key.id]),
    );
  });

  it('says which key is unknown and which input is bad', async () => {
    await expect(store.revoke('nosuchkey')).rejects.toMatchObject({ type: 'api-key-not-found', status: 404 });
    await expect(store.revoke('0190aaaa-0000-7000-8000-000000000000')).rejects.toThrow(
      /No API key has the id or prefix "0190aaaa-0000-7000-8000-000000000000"/,
    );
    await expect(store.create({ name: ' ', role: 'viewer' })).rejects.toThrow(ValidationError);
    // The CLI and routes validate too; the store must not trust them.
    await expect(store.create({ name: 'x', role: 'root' as 'admin' })).rejects.toThrow(/"root" is not a role/);
  });
});
