import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect } from 'vitest';
import type { Database } from '../../src/platform/db/client.ts';
import { ConflictError, NotFoundError, type OrbitError, ValidationError } from '../../src/platform/errors.ts';
import { InvalidWorkflowError, KnowledgeBase } from '../../src/workflowgen/kb/index.ts';
import { chatflowDsl, codeWorkflowDsl, danglingEdgeDsl, yamlBomb } from '../../src/workflowgen/kb/testing.ts';
import { engines, freshDatabase } from '../support/db.ts';
import { itWhen } from '../support/services.ts';

const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/workflows');
const example = (name: string) => fs.readFileSync(path.join(EXAMPLES, name), 'utf8');

for (const engine of engines) {
  describe(`knowledge base on ${engine.name}`, () => {
    const test = itWhen(engine.available, engine.reason);
    let database: Database;
    let kb: KnowledgeBase;

    beforeAll(async () => {
      if (!engine.available) return;
      database = await freshDatabase(engine.name);
      kb = new KnowledgeBase(database);
    });

    test('seeds the shipped examples with their licences, and a second seeding changes nothing', async () => {
      const first = await kb.seedBuiltins(EXAMPLES);
      expect(first).toMatchObject({ found: true, updated: [], removed: [], rejected: [], unchanged: 0 });
      expect(first.added).toHaveLength(14);
      const entries = await kb.list();
      expect(entries).toHaveLength(14);
      const fixture = entries.find((e) => e.source === 'builtin:01-dify-fixture-loop-break-condition.yml');
      expect(fixture).toMatchObject({ licence: 'Dify Open Source License', mode: 'workflow' });
      expect(fixture?.patterns).toContain('loop');
      expect(entries.find((e) => e.source === 'builtin:43-translation-workflow.yml')?.licence).toBe('MIT');

      const second = await kb.seedBuiltins(EXAMPLES);
      expect(second).toMatchObject({ added: [], updated: [], removed: [], rejected: [], unchanged: 14 });
      expect((await kb.list()).map((e) => e.id)).toEqual(entries.map((e) => e.id));
    });

    test('derives name, description, mode, node types and patterns, and indexes English words for them', async () => {
      const hits = await kb.search('http api', { limit: 5 });
      expect(hits.map((h) => h.name)).toEqual(expect.arrayContaining(['runLLMCode', '搜索大师3']));
      const code = hits.find((h) => h.name === 'runLLMCode');
      expect(code).toMatchObject({ mode: 'workflow', matchedBy: 'fulltext' });
      expect(code?.nodeTypes).toEqual(['code', 'end', 'http-request', 'llm', 'start']);
      expect(code?.patterns).toEqual(['http', 'code', 'file-input']);
      // no app description: the summary says what it is
      expect(code?.description).toMatch(/^Workflow app with 8 nodes: .*http-request/);
      expect(code?.dsl).toBe(example('33-run-llm-code.yml'));
    });

    test('ranks full-text matches (websearch syntax: phrases and exclusions) best first', async () => {
      const [top] = await kb.search('translation');
      expect(top).toMatchObject({ name: 'translation_workflow', matchedBy: 'fulltext' });
      expect(top?.score).toBeGreaterThan(0);
      const phrase = await kb.search('"conversation variable"');
      expect(phrase[0]?.name).toBe('update-conversation-variable-in-iteration');
      const all = await kb.search('iteration', { limit: 20 });
      const without = await kb.search('iteration -chatflow', { limit: 20 });
      expect(all.some((h) => h.mode === 'advanced-chat')).toBe(true);
      expect(without.map((h) => h.id)).toEqual(all.filter((h) => h.mode === 'workflow').map((h) => h.id));
      const scores = all.map((h) => h.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    });

    test('falls back to any word when no entry has every word', async () => {
      const hits = await kb.search('translate a document with a critique step');
      expect(hits[0]).toMatchObject({ name: 'translation_workflow', matchedBy: 'any-word' });
    });

    test('falls back to node types and patterns for a query of stop-words that name one ("for each")', async () => {
      const hits = await kb.search('for each', { limit: 20 });
      expect(hits.length).toBeGreaterThan(0);
      expect(hits.every((h) => h.matchedBy === 'structure' && h.patterns.includes('iteration'))).toBe(true);
    });

    test('returns newest entries for a query of stop-words only, and nothing for words that match nothing', async () => {
      const hits = await kb.search('the of and', { limit: 3 });
      expect(hits.map((h) => h.matchedBy)).toEqual(['all', 'all', 'all']);
      expect(await kb.search('xyzzy plugh')).toEqual([]);
      expect(await kb.search('translation -translation')).toEqual([]);
    });

    test('filters by mode and checks the limit', async () => {
      const chat = await kb.search('llm', { mode: 'advanced-chat', limit: 100 });
      expect(chat.length).toBeGreaterThan(0);
      expect(chat.every((h) => h.mode === 'advanced-chat')).toBe(true);
      await expect(kb.search('llm', { limit: 0 })).rejects.toBeInstanceOf(ValidationError);
      await expect(kb.search('llm', { limit: 101 })).rejects.toBeInstanceOf(ValidationError);
    });

    test('adds a user workflow once: the same DSL (even with other line endings) gives the existing entry', async () => {
      const dsl = codeWorkflowDsl({ name: 'Shouter', title: 'Make it loud' });
      const first = await kb.add({ dsl, source: 'user', licence: 'CC0-1.0' });
      expect(first).toMatchObject({ created: true, warnings: [] });
      expect(first.entry).toMatchObject({ name: 'Shouter', source: 'user', licence: 'CC0-1.0', dsl });
      const again = await kb.add({ dsl: `${dsl.replace(/\n/g, '\r\n')}\n\n`, source: 'user' });
      expect(again).toMatchObject({ created: false, entry: { id: first.entry.id } });
      const [found] = await kb.search('loud');
      expect(found?.id).toBe(first.entry.id);
      await kb.remove(first.entry.id);
    });

    test('stores one entry when the same DSL is added concurrently', async () => {
      const dsl = chatflowDsl({ name: 'Racer', prompt: 'You answer fast.' });
      const results = await Promise.all(Array.from({ length: 5 }, () => kb.add({ dsl, source: 'user' })));
      expect(new Set(results.map((r) => r.entry.id)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      await kb.remove(results[0]!.entry.id);
    });

    test('takes name and description overrides', async () => {
      const { entry } = await kb.add({
        dsl: chatflowDsl({ name: 'Orig', prompt: 'You are a poet.' }),
        source: 'user',
        name: 'Poet',
        description: 'Writes short poems',
      });
      expect(entry).toMatchObject({ name: 'Poet', description: 'Writes short poems', mode: 'advanced-chat' });
      expect((await kb.search('poems'))[0]?.id).toBe(entry.id);
      await kb.remove(entry.id);
    });

    test('refuses an invalid DSL with its issues, malformed YAML and a YAML bomb, and stores none of them', async () => {
      const before = (await kb.list()).length;
      const invalid = await kb.add({ dsl: danglingEdgeDsl(), source: 'user' }).catch((e: unknown) => e);
      expect(invalid).toBeInstanceOf(InvalidWorkflowError);
      expect((invalid as InvalidWorkflowError).issues.map((i) => i.rule)).toContain('edge.dangling-target');
      expect((invalid as InvalidWorkflowError).status).toBe(400);
      const malformed = await kb.add({ dsl: 'app: [oops\n', source: 'user' }).catch((e: unknown) => e);
      expect(malformed).toMatchObject({ type: 'malformed-yaml', status: 400 });
      expect((malformed as OrbitError).detail).toMatch(/line \d+, column \d+/);
      const bomb = await kb.add({ dsl: yamlBomb(), source: 'user' }).catch((e: unknown) => e);
      expect((bomb as OrbitError).extra.errors?.[0]).toMatchObject({ rule: 'yaml.alias-limit' });
      await expect(kb.add({ dsl: chatflowDsl({ name: 'x', prompt: 'y' }), source: 'mine' })).rejects.toBeInstanceOf(
        ValidationError,
      );
      expect((await kb.list()).length).toBe(before);
    });

    test('removes user entries only: shipped ones are a conflict, unknown ids not found', async () => {
      const builtin = (await kb.list()).find((e) => e.source.startsWith('builtin:'))!;
      await expect(kb.remove(builtin.id)).rejects.toBeInstanceOf(ConflictError);
      expect((await kb.get(builtin.id)).id).toBe(builtin.id);
      await expect(kb.remove('0190aaaa-0000-7000-8000-000000000000')).rejects.toBeInstanceOf(NotFoundError);
      await expect(kb.get('not-an-id')).rejects.toBeInstanceOf(NotFoundError);
    });

    test('keeps builtins in step with their folder: changed, renamed, removed and invalid files', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-kb-'));
      const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
      write('README.md', '| file | licence |\n|---|---|\n| a.yml | MIT |\n| b.yml | Apache-2.0 |\n');
      write('a.yml', chatflowDsl({ name: 'Alpha', prompt: 'First.' }));
      write('b.yml', codeWorkflowDsl({ name: 'Beta', title: 'Second' }));
      // a folder of its own is the whole set of builtins: seeding it would drop the shipped examples here
      const own = new KnowledgeBase(await freshDatabase(engine.name));
      const isOurs = (e: { source: string }) => ['builtin:a.yml', 'builtin:b.yml', 'builtin:c.yml'].includes(e.source);

      expect(await own.seedBuiltins(dir)).toMatchObject({ added: ['a.yml', 'b.yml'], rejected: [] });
      const before = (await own.list()).filter(isOurs);
      expect(before.map((e) => [e.name, e.licence]).sort()).toEqual([
        ['Alpha', 'MIT'],
        ['Beta', 'Apache-2.0'],
      ]);

      write('a.yml', chatflowDsl({ name: 'Alpha 2', prompt: 'First, changed.' }));
      fs.renameSync(path.join(dir, 'b.yml'), path.join(dir, 'c.yml'));
      write('d.yml', danglingEdgeDsl());
      const report = await own.seedBuiltins(dir);
      expect(report).toMatchObject({ added: [], updated: ['a.yml', 'c.yml'], removed: [] });
      expect(report.rejected.map((r) => r.file)).toEqual(['d.yml']);
      expect(report.rejected[0]?.message).toContain('edge.dangling-target');
      const after = (await own.list()).filter(isOurs);
      expect(after.map((e) => [e.source, e.name]).sort()).toEqual([
        ['builtin:a.yml', 'Alpha 2'],
        ['builtin:c.yml', 'Beta'],
      ]);
      // a rename keeps the entry
      expect(after.find((e) => e.name === 'Beta')?.id).toBe(before.find((e) => e.name === 'Beta')?.id);

      fs.unlinkSync(path.join(dir, 'c.yml'));
      expect(await own.seedBuiltins(dir)).toMatchObject({ removed: ['c.yml'], unchanged: 1 });
      fs.rmSync(dir, { recursive: true });
      // a missing folder changes nothing (a packaging mistake must not empty the knowledge base)
      expect(await own.seedBuiltins(dir)).toMatchObject({ found: false, added: [], removed: [] });
      expect((await own.list()).filter(isOurs)).toHaveLength(1);
    });
  });
}
