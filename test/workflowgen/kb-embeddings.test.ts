import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbedder } from '../../src/llm/index.ts';
import { type ModelServer, startModelServer } from '../../src/llm/testing/index.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { type Database, openDatabase } from '../../src/platform/db/client.ts';
import { KnowledgeBase } from '../../src/workflowgen/index.ts';
import { freshDatabase } from '../support/db.ts';
import { freePort } from '../support/net.ts';
import { hasPostgres, itWhen, POSTGRES_MISSING } from '../support/services.ts';

/** Embeddings through the local model server's /v1/embeddings (OpenAI protocol, deterministic vectors). */
describe('knowledge base with embeddings (pgvector)', () => {
  let model: ModelServer;
  beforeAll(async () => {
    model = await startModelServer();
  });
  afterAll(() => model.close());

  const embedderFor = (database: Database, baseUrl = model.baseUrl) =>
    createEmbedder(loadConfig({ ORBIT_EMBEDDING_MODEL: 'openai-compatible:test-embed', OPENAI_BASE_URL: baseUrl }), {
      database,
    });

  it('embeds every seeded entry on PGlite and fuses meaning with full-text ranks', async () => {
    const database = await openDatabase({ dataDir: 'memory://', vector: true });
    try {
      await database.migrate();
      const warnings: string[] = [];
      const kb = new KnowledgeBase(database, { embedder: embedderFor(database), onWarning: (w) => warnings.push(w) });
      await kb.seedBuiltins();
      const entries = await kb.list({ limit: 100 });
      const stored = await database.query<{ n: number }>('SELECT count(*)::int AS n FROM knowledge_embeddings');
      expect(stored[0]?.n).toBe(entries.length);
      expect(warnings).toEqual([]);
      // Every embedding call is in the usage ledger.
      const calls = await database.query<{ n: number; tokens: number }>(
        "SELECT count(*)::int AS n, sum(input_tokens)::int AS tokens FROM llm_calls WHERE model = 'test-embed'",
      );
      expect(calls[0]?.n).toBeGreaterThan(0);
      expect(calls[0]?.tokens).toBeGreaterThan(0);
      const target = entries[0];
      if (!target) throw new Error('no entries seeded');
      const hits = await kb.search(`${target.name} ${target.description}`, { limit: 5 });
      expect(hits[0]?.matchedBy).toBe('hybrid');
      expect(hits.map((h) => h.id)).toContain(target.id);
      // A second seeding embeds nothing new.
      const before = model.requests.length;
      await kb.seedBuiltins();
      expect(model.requests.length).toBe(before);
    } finally {
      await database.close();
    }
  });

  it('falls back to full-text search, with a warning, when the embedding server fails', async () => {
    const database = await openDatabase({ dataDir: 'memory://', vector: true });
    try {
      await database.migrate();
      const plain = new KnowledgeBase(database);
      await plain.seedBuiltins();
      const expected = await plain.search('translate', { limit: 3 });
      const warnings: string[] = [];
      const dead = `http://127.0.0.1:${await freePort()}/v1`;
      const kb = new KnowledgeBase(database, {
        embedder: embedderFor(database, dead),
        onWarning: (w) => warnings.push(w),
      });
      const hits = await kb.search('translate', { limit: 3 });
      expect(hits.map((h) => h.id)).toEqual(expected.map((h) => h.id));
      expect(warnings.join('\n')).toMatch(/embedding search failed, using full-text search alone/);
    } finally {
      await database.close();
    }
  });

  itWhen(hasPostgres, POSTGRES_MISSING)(
    'on PostgreSQL: uses pgvector where the server has it, else full-text search with a clear warning; without an embedder it creates nothing',
    async () => {
      const database = await freshDatabase('postgres');
      const plain = new KnowledgeBase(database);
      await plain.seedBuiltins();
      const extensions = async () =>
        (await database.query<{ extname: string }>('SELECT extname FROM pg_extension')).map((e) => e.extname);
      expect(await extensions()).not.toContain('vector');
      const available =
        (await database.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).length > 0;
      const warnings: string[] = [];
      const kb = new KnowledgeBase(database, { embedder: embedderFor(database), onWarning: (w) => warnings.push(w) });
      const hits = await kb.search('translate text', { limit: 3 });
      expect(hits.length).toBeGreaterThan(0);
      if (available) {
        expect(hits[0]?.matchedBy).toBe('hybrid');
        expect(await extensions()).toContain('vector');
      } else {
        // Debian 12's repositories have no pgvector for PostgreSQL 15: the documented fallback.
        expect(warnings.join('\n')).toMatch(/pgvector is not available in this database/);
        expect(hits[0]?.matchedBy).not.toBe('hybrid');
      }
    },
  );
});
