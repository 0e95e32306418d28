import { createHash } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { runArtifacts } from '../db/schema.ts';
import { NotFoundError, OrbitError } from '../errors.ts';
import type { ArtifactInfo } from './types.ts';

/**
 * Artifact names are flat file names: letters, digits, `.`, `_`, `-`, not starting with a dot. That rules out
 * path traversal (`../x`, `/etc/passwd`, `a/b`) by construction rather than by sanitising.
 */
const NAME_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

export function checkArtifactName(name: string): void {
  if (!NAME_RE.test(name) || name.includes('..')) {
    throw new OrbitError(
      'invalid-artifact-name',
      400,
      `"${name}" is not a valid artifact name: use 1–200 letters, digits, ".", "_" or "-", no path separators, not starting with "." and without "..".`,
    );
  }
}

export class ArtifactStore {
  constructor(
    private readonly database: Database,
    private readonly maxBytes: number,
  ) {}

  async put(runId: string, name: string, contentType: string, data: Buffer | string): Promise<ArtifactInfo> {
    checkArtifactName(name);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (bytes.length > this.maxBytes) {
      throw new OrbitError(
        'artifact-too-large',
        413,
        `Artifact "${name}" is ${bytes.length} bytes; the limit is ${this.maxBytes} (ORBIT_ARTIFACT_MAX_BYTES).`,
      );
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const row = { runId, name, contentType, size: bytes.length, sha256, data: bytes, createdAt: new Date() };
    await this.database.db
      .insert(runArtifacts)
      .values(row)
      .onConflictDoUpdate({
        target: [runArtifacts.runId, runArtifacts.name],
        set: { contentType, size: row.size, sha256, data: bytes, createdAt: row.createdAt },
      });
    return { name, contentType, size: row.size, sha256, createdAt: row.createdAt.toISOString() };
  }

  async list(runId: string): Promise<ArtifactInfo[]> {
    const rows = await this.database.db
      .select({
        name: runArtifacts.name,
        contentType: runArtifacts.contentType,
        size: runArtifacts.size,
        sha256: runArtifacts.sha256,
        createdAt: runArtifacts.createdAt,
      })
      .from(runArtifacts)
      .where(eq(runArtifacts.runId, runId))
      .orderBy(asc(runArtifacts.name));
    return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
  }

  async get(runId: string, name: string): Promise<ArtifactInfo & { data: Buffer }> {
    checkArtifactName(name);
    const rows = await this.database.db
      .select()
      .from(runArtifacts)
      .where(and(eq(runArtifacts.runId, runId), eq(runArtifacts.name, name)))
      .limit(1);
    const r = rows[0];
    if (!r) throw new NotFoundError('artifact', `${runId}/${name}`);
    return {
      name: r.name,
      contentType: r.contentType,
      size: r.size,
      sha256: r.sha256,
      createdAt: r.createdAt.toISOString(),
      data: r.data,
    };
  }
}
