import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inArray, like, or } from 'drizzle-orm';
import type { Database } from '../../platform/db/client.ts';
import { knowledgeWorkflows as t } from '../../platform/db/schema.ts';
import { OrbitError } from '../../platform/errors.ts';
import type { KnowledgeBase } from './knowledgeBase.ts';
import { contentHash, normalizeDsl } from './knowledgeBase.ts';

/** `examples/workflows/` of this checkout, wherever the process was started from. */
export const DEFAULT_EXAMPLES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../examples/workflows',
);

export interface SeedReport {
  dir: string;
  /** False when the directory does not exist (nothing was changed). */
  found: boolean;
  /** Files stored for the first time. */
  added: string[];
  /** Files whose content changed since the last seeding (old entry replaced). */
  updated: string[];
  /** Builtin entries whose file is gone (or now invalid), deleted. */
  removed: string[];
  unchanged: number;
  /** Files the validator refused; they are not in the knowledge base. */
  rejected: { file: string; message: string }[];
}

/**
 * Licence per file from the folder's README table (columns `file` and `licence`), so the knowledge base can say
 * under which terms each example may be reused. Files without a row get no licence.
 */
export function readLicenceTable(readme: string): Map<string, string> {
  const out = new Map<string, string>();
  let fileCol = -1;
  let licenceCol = -1;
  for (const line of readme.split('\n')) {
    if (!line.trim().startsWith('|')) {
      fileCol = -1;
      continue;
    }
    const cells = line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim().replace(/^`|`$/g, ''));
    if (fileCol < 0) {
      fileCol = cells.findIndex((c) => c.toLowerCase() === 'file');
      licenceCol = cells.findIndex((c) => /^licen[cs]e$/i.test(c));
      if (licenceCol < 0) fileCol = -1;
      continue;
    }
    const file = cells[fileCol];
    const licence = cells[licenceCol];
    if (file && licence && !/^-+$/.test(file)) out.set(file, licence);
  }
  return out;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Makes the builtin entries mirror the YAML files of `dir`: new files are validated and added, changed ones
 * replaced, vanished ones deleted. When nothing changed it costs reading and hashing the files plus one query, so
 * the server can run it at every start; concurrent runs on several nodes converge (inserts are conflict-free).
 */
export async function seedBuiltins(kb: KnowledgeBase, database: Database, dir = DEFAULT_EXAMPLES_DIR) {
  const report: SeedReport = { dir, found: true, added: [], updated: [], removed: [], unchanged: 0, rejected: [] };
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => /\.ya?ml$/i.test(n)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return { ...report, found: false };
  }
  const licences = readLicenceTable((await readIfExists(path.join(dir, 'README.md'))) ?? '');
  const files = await Promise.all(
    names.map(async (name) => {
      const dsl = normalizeDsl(await fs.readFile(path.join(dir, name), 'utf8'));
      return { name, source: `builtin:${name}`, dsl, hash: contentHash(dsl), licence: licences.get(name) ?? null };
    }),
  );
  const hashes = files.map((f) => f.hash);
  const rows = await database.db
    .select({ id: t.id, source: t.source, hash: t.contentHash, licence: t.licence })
    .from(t)
    .where(
      hashes.length ? or(like(t.source, 'builtin:%'), inArray(t.contentHash, hashes)) : like(t.source, 'builtin:%'),
    );
  const byHash = new Map(rows.map((r) => [r.hash, r]));
  const current = new Map(files.map((f) => [f.source, f.hash]));

  for (const file of files) {
    const stored = byHash.get(file.hash);
    if (stored) {
      // A renamed file: same content, its old name gone. Keep the entry (and its id), take the new name.
      const renamed =
        stored.source !== file.source && stored.source.startsWith('builtin:') && !current.has(stored.source);
      if (renamed || (stored.source === file.source && stored.licence !== file.licence)) {
        await database.query('UPDATE knowledge_workflows SET source = $1, licence = $2 WHERE id = $3', [
          renamed ? file.source : stored.source,
          file.licence,
          stored.id,
        ]);
        stored.source = renamed ? file.source : stored.source;
        stored.licence = file.licence;
      }
      if (renamed) report.updated.push(file.name);
      else report.unchanged++;
      continue;
    }
    const replacesOld = rows.some((r) => r.source === file.source);
    try {
      const { entry } = await kb.add({ dsl: file.dsl, source: file.source, licence: file.licence });
      byHash.set(file.hash, { id: entry.id, source: entry.source, hash: file.hash, licence: entry.licence });
      (replacesOld ? report.updated : report.added).push(file.name);
    } catch (err) {
      if (!(err instanceof OrbitError)) throw err;
      report.rejected.push({ file: file.name, message: err.detail });
    }
  }

  // Builtin rows that no longer mirror a file: the file was removed, changed (its new version was added above) or
  // is now invalid.
  const stale = rows.filter((r) => r.source.startsWith('builtin:') && current.get(r.source) !== r.hash);
  if (stale.length) {
    await database.db.delete(t).where(
      inArray(
        t.id,
        stale.map((r) => r.id),
      ),
    );
    for (const r of stale) {
      const name = r.source.slice('builtin:'.length);
      if (!current.has(r.source)) report.removed.push(name);
      else if (!report.updated.includes(name)) report.removed.push(name);
    }
  }
  return report;
}
