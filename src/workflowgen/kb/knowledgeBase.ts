import { createHash } from 'node:crypto';
import { and, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/client.ts';
import { knowledgeWorkflows as t } from '../../platform/db/schema.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { type Issue, type TargetVersion, validateDsl } from '../dsl/index.ts';
import { describeWorkflow } from './describe.ts';
import { queryWords, structuralScore } from './features.ts';
import { InvalidWorkflowError, isUnreadable, unreadableDslError } from './problems.ts';
import { type SeedReport, seedBuiltins } from './seed.ts';

export const KB_MODES = ['workflow', 'advanced-chat'] as const;
export type KnowledgeMode = (typeof KB_MODES)[number];

/** An entry without its DSL, as lists and searches return it. */
export interface KnowledgeEntry {
  id: string;
  name: string;
  description: string;
  mode: string;
  nodeTypes: string[];
  patterns: string[];
  /** `builtin:<file>` for a shipped example, `user` for one a user added. */
  source: string;
  licence: string | null;
  createdAt: string;
}

export interface KnowledgeWorkflow extends KnowledgeEntry {
  dsl: string;
}

/**
 * How search found its hits: `fulltext` (every word, websearch syntax), `any-word` (at least one word), `structure`
 * (node types and patterns named in the query), `all` (the query had no searchable words: everything, newest
 * first). A query whose searchable words match nothing gives no hits.
 */
export type SearchStrategy = 'fulltext' | 'any-word' | 'structure' | 'all' | 'hybrid';

/** A search hit carries its DSL, so a generator can use it as an example at once. */
export interface SearchHit extends KnowledgeWorkflow {
  /** `ts_rank_cd` for full-text strategies, the number of matching node-type/pattern words for `structure`, else 0. */
  score: number;
  matchedBy: SearchStrategy;
}

export interface AddWorkflowInput {
  dsl: string;
  /** `user`, or `builtin:<file>` (seeding only). */
  source: string;
  licence?: string | null | undefined;
  /** Override the app's own name/description. */
  name?: string | undefined;
  description?: string | undefined;
  /** DSL version the file is validated against (default 0.6.0). */
  targetVersion?: TargetVersion | undefined;
}

export interface AddResult {
  entry: KnowledgeWorkflow;
  /** False when the same DSL was already there: `entry` is the existing one. */
  created: boolean;
  warnings: Issue[];
}

export const DEFAULT_SEARCH_LIMIT = 10;
export const MAX_SEARCH_LIMIT = 100;

/** Line endings, a byte-order mark and trailing blank lines do not make a different workflow. */
export function normalizeDsl(text: string): string {
  return `${text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .trimEnd()}\n`;
}

export function contentHash(text: string): string {
  return createHash('sha256').update(normalizeDsl(text)).digest('hex');
}

const entryColumns = {
  id: t.id,
  name: t.name,
  description: t.description,
  mode: t.mode,
  nodeTypes: t.nodeTypes,
  patterns: t.patterns,
  source: t.source,
  licence: t.licence,
  createdAt: t.createdAt,
};

type EntryRow = { [K in keyof typeof entryColumns]: (typeof t.$inferSelect)[K] };

function toEntry<R extends EntryRow>(row: R): Omit<R, 'createdAt'> & { createdAt: string } {
  return { ...row, createdAt: row.createdAt.toISOString() };
}

/** No websearch operators: no quoted phrase, no `or`, no `-word`. */
function isPlainQuery(query: string): boolean {
  return !/"|(^|\s)-\S|\bor\b/i.test(query);
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
    throw new ValidationError(`limit must be a whole number from 1 to ${MAX_SEARCH_LIMIT}.`, [
      { pointer: '/limit', message: `got ${limit}` },
    ]);
  }
  return limit;
}

/** Turns texts into vectors (the LLM layer's embedder fits). */
export interface KnowledgeEmbedder {
  readonly model: string;
  embed(texts: string[]): Promise<number[][]>;
}

export interface KnowledgeBaseOptions {
  /** Optional: rank by meaning too (pgvector), fused with full-text search. */
  embedder?: KnowledgeEmbedder | undefined;
  /** Where to say that embeddings are unavailable or failed (search then uses full-text search alone). */
  onWarning?: (message: string) => void;
}

/** Reciprocal-rank-fusion constant: how much the top ranks dominate (60 is the usual choice). */
const RRF_K = 60;

/**
 * Example workflows the generator learns from: the shipped ones and users' own, searchable with PostgreSQL full-text
 * search (the same SQL on PGlite and PostgreSQL). Every entry is a DSL that passed the validator.
 */
export class KnowledgeBase {
  private vectorState: 'unknown' | 'ready' | 'unavailable' = 'unknown';
  /** While seeding, entries are embedded once at the end in batches, not one by one as they are added. */
  private seeding = false;

  constructor(
    private readonly database: Database,
    private readonly options: KnowledgeBaseOptions = {},
  ) {}

  private get db() {
    return this.database.db;
  }

  /** Validates and stores a workflow; the same DSL twice gives the existing entry back. */
  async add(input: AddWorkflowInput): Promise<AddResult> {
    if (input.source !== 'user' && !/^builtin:.+/.test(input.source)) {
      throw new ValidationError('source must be "user" or "builtin:<file>".', [
        { pointer: '/source', message: `got "${input.source}"` },
      ]);
    }
    const dsl = normalizeDsl(input.dsl);
    const hash = contentHash(dsl);
    const existing = await this.findByHash(hash);
    if (existing) return { entry: existing, created: false, warnings: [] };

    const result = validateDsl(dsl, input.targetVersion ? { targetVersion: input.targetVersion } : {});
    if (isUnreadable(result.errors)) throw unreadableDslError(result.errors);
    if (!result.valid || !result.document) throw new InvalidWorkflowError(result.errors, result.warnings);

    const described = describeWorkflow(result.document, { name: input.name, description: input.description });
    const inserted = await this.db
      .insert(t)
      .values({
        id: newId(),
        name: described.name,
        description: described.description,
        mode: described.mode,
        nodeTypes: described.nodeTypes,
        patterns: described.patterns,
        dsl,
        source: input.source,
        licence: input.licence ?? null,
        contentHash: hash,
        searchText: described.searchText,
      })
      .onConflictDoNothing({ target: t.contentHash })
      .returning({ ...entryColumns, dsl: t.dsl });
    const row = inserted[0];
    if (row) {
      if (!this.seeding) await this.indexEmbeddings();
      return { entry: toEntry(row), created: true, warnings: result.warnings };
    }
    // Another request stored the same DSL between our look-up and our insert.
    const raced = await this.findByHash(hash);
    if (!raced) throw new Error(`knowledge entry with hash ${hash} vanished during insert`);
    return { entry: raced, created: false, warnings: result.warnings };
  }

  private async findByHash(hash: string): Promise<KnowledgeWorkflow | undefined> {
    return (await this.fullRows(eq(t.contentHash, hash)))[0];
  }

  async get(id: string): Promise<KnowledgeWorkflow> {
    const [row] = await this.fullRows(eq(t.id, id));
    if (!row) throw new NotFoundError('knowledge-workflow', id);
    return row;
  }

  /** Every entry (without DSL), newest first. */
  async list(
    options: { mode?: KnowledgeMode | undefined; limit?: number | undefined } = {},
  ): Promise<KnowledgeEntry[]> {
    const query = this.db
      .select(entryColumns)
      .from(t)
      .where(options.mode ? eq(t.mode, options.mode) : undefined)
      .orderBy(desc(t.id));
    const rows = options.limit === undefined ? await query : await query.limit(checkLimit(options.limit));
    return rows.map(toEntry);
  }

  /** Deletes a user's entry. Shipped examples cannot be deleted: seeding would bring them back. */
  async remove(id: string): Promise<void> {
    const rows = await this.db.select({ source: t.source, name: t.name }).from(t).where(eq(t.id, id));
    const row = rows[0];
    if (!row) throw new NotFoundError('knowledge-workflow', id);
    if (row.source !== 'user') {
      throw new ConflictError(
        'builtin-workflow',
        `"${row.name}" (${row.source}) is an example shipped with Orbit and cannot be deleted; only workflows users added can.`,
      );
    }
    await this.db.delete(t).where(and(eq(t.id, id), eq(t.source, 'user')));
  }

  /**
   * Full-text search with fallbacks, so a caller gets something useful whenever anything is related:
   * every word (websearch_to_tsquery: quotes, `or`, `-word`), then any word (plain queries only), then node types and
   * patterns the query names (e.g. "loop", "http"), then — only for a query without searchable words — everything.
   * Hits are best first; all hits of one search share `matchedBy`.
   */
  async search(
    query: string,
    options: { limit?: number | undefined; mode?: KnowledgeMode | undefined } = {},
  ): Promise<SearchHit[]> {
    const text = await this.textSearch(query, options);
    const embedder = this.options.embedder;
    if (!embedder || !query.trim()) return text;
    try {
      if (!(await this.vectorsReady())) return text;
      const limit = checkLimit(options.limit ?? DEFAULT_SEARCH_LIMIT);
      const [vector] = await embedder.embed([query]);
      const nearest = await this.database.query<{ id: string }>(
        `SELECT e.entry_id AS id FROM knowledge_embeddings e JOIN knowledge_workflows w ON w.id = e.entry_id
          WHERE e.model = $2 AND ($3::text IS NULL OR w.mode = $3)
          ORDER BY e.embedding <=> $1::vector LIMIT $4`,
        [toVector(vector ?? []), embedder.model, options.mode ?? null, limit],
      );
      // Reciprocal rank fusion: an entry near the top of either list ranks high; both lists agreeing ranks highest.
      const scores = new Map<string, number>();
      for (const list of [text, nearest]) {
        for (const [i, hit] of list.entries()) scores.set(hit.id, (scores.get(hit.id) ?? 0) + 1 / (RRF_K + i + 1));
      }
      const ids = [...scores.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, limit)
        .map(([id]) => id);
      const rows = new Map((await this.fullRows(inArray(t.id, ids))).map((r) => [r.id, r]));
      return ids.flatMap((id) => {
        const row = rows.get(id);
        return row ? [{ ...row, score: scores.get(id) ?? 0, matchedBy: 'hybrid' as const }] : [];
      });
    } catch (err) {
      this.options.onWarning?.(`embedding search failed, using full-text search alone: ${(err as Error).message}`);
      return text;
    }
  }

  /**
   * Embeds entries that have no vector for the current model. A no-op without an embedder; never throws (search
   * keeps working on full-text search), but says why through `onWarning`.
   */
  async indexEmbeddings(): Promise<number> {
    const embedder = this.options.embedder;
    if (!embedder) return 0;
    try {
      if (!(await this.vectorsReady())) return 0;
      const missing = await this.database.query<{ id: string; text: string }>(
        `SELECT w.id, w.name || E'\n' || w.description || E'\n' || w.search_text AS text FROM knowledge_workflows w
          LEFT JOIN knowledge_embeddings e ON e.entry_id = w.id AND e.model = $1
          WHERE e.entry_id IS NULL ORDER BY w.id`,
        [embedder.model],
      );
      for (let i = 0; i < missing.length; i += 32) {
        const batch = missing.slice(i, i + 32);
        const vectors = await embedder.embed(batch.map((b) => b.text));
        for (const [j, row] of batch.entries()) {
          await this.database.query(
            `INSERT INTO knowledge_embeddings (entry_id, model, embedding) VALUES ($1, $2, $3::vector)
             ON CONFLICT (entry_id) DO UPDATE SET model = excluded.model, embedding = excluded.embedding`,
            [row.id, embedder.model, toVector(vectors[j] ?? [])],
          );
        }
      }
      return missing.length;
    } catch (err) {
      this.options.onWarning?.(`could not embed knowledge-base entries: ${(err as Error).message}`);
      return 0;
    }
  }

  /**
   * pgvector is created on demand, only when an embedder is configured, and its table is not part of the
   * migrations: a PostgreSQL server without pgvector keeps working, on full-text search.
   */
  private async vectorsReady(): Promise<boolean> {
    if (this.vectorState !== 'unknown') return this.vectorState === 'ready';
    try {
      await this.database.exec(`CREATE EXTENSION IF NOT EXISTS vector;
        CREATE TABLE IF NOT EXISTS knowledge_embeddings (
          entry_id text PRIMARY KEY REFERENCES knowledge_workflows(id) ON DELETE CASCADE,
          model text NOT NULL,
          embedding vector NOT NULL
        );`);
      this.vectorState = 'ready';
    } catch (err) {
      this.vectorState = 'unavailable';
      this.options.onWarning?.(
        `pgvector is not available in this database (${(err as Error).message}); the knowledge base uses full-text search alone. Install the pgvector extension on the PostgreSQL server to rank by meaning too.`,
      );
    }
    return this.vectorState === 'ready';
  }

  private async textSearch(
    query: string,
    options: { limit?: number | undefined; mode?: KnowledgeMode | undefined } = {},
  ): Promise<SearchHit[]> {
    const limit = checkLimit(options.limit ?? DEFAULT_SEARCH_LIMIT);
    const modeFilter = options.mode ? eq(t.mode, options.mode) : undefined;
    const lexemes = await this.database.query<{ n: number }>(
      `SELECT coalesce(array_length(tsvector_to_array(to_tsvector('english', $1)), 1), 0)::int AS n`,
      [query],
    );
    const hasLexemes = (lexemes[0]?.n ?? 0) > 0;

    if (hasLexemes) {
      const every = sql`websearch_to_tsquery('english', ${query})`;
      const hits = await this.rankedBy(every, modeFilter, limit, 'fulltext');
      if (hits.length > 0) return hits;
      // Loosening a query with quotes, `or` or `-word` would drop what the user asked for; loosen only plain words.
      if (!isPlainQuery(query)) return [];
      const any = sql`(SELECT string_agg(quote_literal(l), ' | ') FROM unnest(tsvector_to_array(to_tsvector('english', ${query}))) AS l)::tsquery`;
      const anyHits = await this.rankedBy(any, modeFilter, limit, 'any-word');
      if (anyHits.length > 0) return anyHits;
    }

    const words = queryWords(query);
    if (words.length > 0) {
      const candidates = await this.db
        .select({ id: t.id, nodeTypes: t.nodeTypes, patterns: t.patterns })
        .from(t)
        .where(modeFilter);
      const best = candidates
        .map((c) => ({ id: c.id, score: structuralScore(words, c.nodeTypes, c.patterns) }))
        .filter((c) => c.score > 0)
        .sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : -1))
        .slice(0, limit);
      if (best.length > 0) {
        const full = new Map(
          (
            await this.fullRows(
              inArray(
                t.id,
                best.map((c) => c.id),
              ),
            )
          ).map((r) => [r.id, r]),
        );
        return best.flatMap((c) => {
          const row = full.get(c.id);
          return row ? [{ ...row, score: c.score, matchedBy: 'structure' as const }] : [];
        });
      }
    }
    if (hasLexemes) return [];
    const everything = await this.db
      .select({ ...entryColumns, dsl: t.dsl })
      .from(t)
      .where(modeFilter)
      .orderBy(desc(t.id))
      .limit(limit);
    return everything.map((r) => ({ ...toEntry(r), score: 0, matchedBy: 'all' as const }));
  }

  private async fullRows(where: SQL): Promise<KnowledgeWorkflow[]> {
    const rows = await this.db
      .select({ ...entryColumns, dsl: t.dsl })
      .from(t)
      .where(where);
    return rows.map(toEntry);
  }

  private async rankedBy(tsquery: SQL, modeFilter: SQL | undefined, limit: number, matchedBy: SearchStrategy) {
    const score = sql<number>`ts_rank_cd(${t.search}, ${tsquery})`.mapWith(Number);
    const rows = await this.db
      .select({ ...entryColumns, dsl: t.dsl, score })
      .from(t)
      .where(and(sql`${t.search} @@ ${tsquery}`, modeFilter))
      .orderBy(desc(score), desc(t.id))
      .limit(limit);
    return rows.map((r) => ({ ...toEntry(r), matchedBy }));
  }

  /** Loads the shipped examples; fast and changes nothing when they are already there. See `seedBuiltins`. */
  async seedBuiltins(dir?: string): Promise<SeedReport> {
    this.seeding = true;
    try {
      return await seedBuiltins(this, this.database, dir);
    } finally {
      this.seeding = false;
      await this.indexEmbeddings();
    }
  }
}

/** pgvector's text form of a vector. */
function toVector(v: number[]): string {
  return `[${v.join(',')}]`;
}
