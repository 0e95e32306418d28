import crypto from 'node:crypto';
import { and, count, eq, isNull, lt, or } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { apiKeys } from '../db/schema.ts';
import { OrbitError, ValidationError } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import { isRole, type Role } from './roles.ts';

/**
 * API keys look like `orbit_<prefix>_<secret>`: `orbit_` makes them recognisable (and findable by secret scanners),
 * the 8-character prefix is the key's public name (shown in lists, used to revoke it, used to find its row), and
 * the 40 base62 characters (~238 bits) are the secret. Only a SHA-256 of the whole string is stored.
 */
export const KEY_PREFIX = 'orbit_';
const PREFIX_LENGTH = 8;
const SECRET_LENGTH = 40;
const KEY_PATTERN = /^orbit_([a-z0-9]{8})_([A-Za-z0-9]{32,})$/;
const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** last_used_at is written at most this often per key, so a busy key does not turn every request into a write. */
const LAST_USED_RESOLUTION_MS = 60_000;
const MAX_NAME_LENGTH = 100;

/** A key as shown to people and printed by the CLI: never its secret or hash. Times are ISO-8601 UTC. */
export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedApiKey {
  key: ApiKeyInfo;
  /** The full key. Returned only here, once; it cannot be recovered later. */
  secret: string;
}

/** What a presented key turned out to be; `verify` flattens this, the auth plugin uses it for precise errors. */
export type KeyCheck =
  | { status: 'valid'; key: ApiKeyInfo }
  | { status: 'revoked'; key: ApiKeyInfo }
  | { status: 'unknown'; prefix: string }
  | { status: 'malformed' };

/** Uniform random characters from `alphabet` (rejection sampling: no modulo bias). */
function randomString(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of crypto.randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

/**
 * SHA-256, not bcrypt/scrypt/argon2: slow hashes protect low-entropy passwords against guessing, but these secrets
 * are 238 random bits, beyond any brute force, so a fast hash loses nothing and keeps every request cheap.
 */
function hashSecret(secret: string): Buffer {
  return crypto.createHash('sha256').update(secret, 'utf8').digest();
}

/** The public part of a key string (`orbit_ab12cd34_…`), safe to show in messages; undefined if it is not a key. */
export function describeKey(secret: string): string | undefined {
  const m = KEY_PATTERN.exec(secret);
  return m ? `${KEY_PREFIX}${m[1]}_…` : undefined;
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(KEY_PREFIX);
}

type Row = typeof apiKeys.$inferSelect;

function toInfo(row: Row): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role as Role,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: unknown } | null;
  return !!e && (e.code === '23505' || isUniqueViolation(e.cause));
}

export class ApiKeyStore {
  constructor(private readonly database: Database) {}

  async create(input: { name: string; role: Role }): Promise<CreatedApiKey> {
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name === '' || name.length > MAX_NAME_LENGTH) {
      throw new ValidationError(`A key needs a name of 1 to ${MAX_NAME_LENGTH} characters, e.g. "ci" or "alice".`, [
        { pointer: '/name', message: `must be 1 to ${MAX_NAME_LENGTH} characters` },
      ]);
    }
    if (!isRole(input.role)) {
      throw new ValidationError(`"${String(input.role)}" is not a role; use admin, member or viewer.`, [
        { pointer: '/role', message: 'must be admin, member or viewer' },
      ]);
    }
    // A prefix collision is astronomically unlikely (36^8), but the unique index decides; retry with a new one.
    for (let attempt = 0; ; attempt++) {
      const prefix = randomString(PREFIX_ALPHABET, PREFIX_LENGTH);
      const secret = `${KEY_PREFIX}${prefix}_${randomString(BASE62, SECRET_LENGTH)}`;
      try {
        const [row] = await this.database.db
          .insert(apiKeys)
          .values({ id: newId(), name, prefix, role: input.role, secretHash: hashSecret(secret).toString('hex') })
          .returning();
        return { key: toInfo(row as Row), secret };
      } catch (err) {
        if (attempt >= 2 || !isUniqueViolation(err)) throw err;
      }
    }
  }

  /** Every key, newest first, revoked ones included (marked by `revokedAt`). */
  async list(): Promise<ApiKeyInfo[]> {
    const rows = await this.database.db.select().from(apiKeys);
    return rows.map(toInfo).sort((a, b) => (a.id < b.id ? 1 : -1));
  }

  async get(id: string): Promise<ApiKeyInfo | null> {
    if (!isId(id)) return null;
    const [row] = await this.database.db.select().from(apiKeys).where(eq(apiKeys.id, id));
    return row ? toInfo(row) : null;
  }

  /** Revokes by id or prefix; requests with the key (and tokens minted from it) fail from now on. Idempotent. */
  async revoke(idOrPrefix: string): Promise<ApiKeyInfo> {
    const match = isId(idOrPrefix) ? eq(apiKeys.id, idOrPrefix) : eq(apiKeys.prefix, idOrPrefix.replace(/^orbit_/, ''));
    const [revoked] = await this.database.db
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(match, isNull(apiKeys.revokedAt)))
      .returning();
    if (revoked) return toInfo(revoked);
    const [already] = await this.database.db.select().from(apiKeys).where(match);
    if (already) return toInfo(already);
    throw new OrbitError(
      'api-key-not-found',
      404,
      `No API key has the id or prefix "${idOrPrefix}"; see the keys with \`orbit keys list\` or GET /v1/keys.`,
    );
  }

  /** Keys that can still be used. */
  async count(): Promise<number> {
    const [row] = await this.database.db.select({ n: count() }).from(apiKeys).where(isNull(apiKeys.revokedAt));
    return Number(row?.n ?? 0);
  }

  /** The key a secret belongs to, or null (unknown, malformed or revoked). */
  async verify(secret: string): Promise<ApiKeyInfo | null> {
    const result = await this.check(secret);
    return result.status === 'valid' ? result.key : null;
  }

  async check(secret: string): Promise<KeyCheck> {
    const m = KEY_PATTERN.exec(secret);
    if (!m) return { status: 'malformed' };
    const prefix = m[1] as string;
    const [row] = await this.database.db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix));
    // Compare in constant time even though the hash hides the secret: no timing signal is the simplest rule.
    const presented = hashSecret(secret);
    const stored = row ? Buffer.from(row.secretHash, 'hex') : Buffer.alloc(presented.length);
    const matches = stored.length === presented.length && crypto.timingSafeEqual(stored, presented);
    if (!row || !matches) return { status: 'unknown', prefix };
    if (row.revokedAt) return { status: 'revoked', key: toInfo(row) };
    await this.touch(row);
    return { status: 'valid', key: toInfo(row) };
  }

  private async touch(row: Row): Promise<void> {
    const now = Date.now();
    if (row.lastUsedAt && now - row.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
    const cutoff = new Date(now - LAST_USED_RESOLUTION_MS);
    const [updated] = await this.database.db
      .update(apiKeys)
      .set({ lastUsedAt: new Date(now) })
      .where(and(eq(apiKeys.id, row.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, cutoff))))
      .returning({ lastUsedAt: apiKeys.lastUsedAt });
    if (updated) row.lastUsedAt = updated.lastUsedAt;
  }
}
