import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { singular } from '../../src/backendgen/model/naming.ts';
import { planModel } from '../../src/backendgen/plan/index.ts';
import { TARGETS } from '../../src/backendgen/targets/index.ts';
import { DEFAULT_LIMITS, type ModelError, validateModel } from '../../src/backendgen/validate/index.ts';

const MODELS = path.resolve(import.meta.dirname, '../../examples/models');
const load = (name: string) => JSON.parse(fs.readFileSync(path.join(MODELS, name), 'utf8'));

function errorsOf(model: unknown): [string, string][] {
  const v = validateModel(model);
  return v.valid ? [] : v.errors.map((e: ModelError) => [e.pointer, e.code]);
}

const base = () => ({
  name: 'app',
  tables: [
    { name: 'users', columns: [{ name: 'email', type: 'string', unique: true }] },
    { name: 'posts', columns: [{ name: 'title', type: 'string' }] },
  ],
  relationships: [{ kind: 'one-to-many', parent: 'users', child: 'posts', required: true }],
});

describe('validateModel', () => {
  it('accepts every example model', () => {
    for (const f of fs.readdirSync(MODELS)) expect(errorsOf(load(f)), f).toEqual([]);
  });

  it('reports every error at once, each with a pointer, code and a hint', () => {
    const m = base() as Record<string, unknown> & ReturnType<typeof base>;
    (m.tables[0] as { columns: unknown[] }).columns.push(
      { name: 'email', type: 'string' },
      { name: 'age', type: 'integer', default: 'old' },
      { name: 'price', type: 'decimal' },
    );
    m.tables.push({ name: 'users', columns: [] });
    m.relationships.push({ kind: 'one-to-many', parent: 'user', child: 'posts', required: true });
    const v = validateModel(m);
    expect(v.valid).toBe(false);
    if (v.valid) return;
    expect(v.errors.map((e) => [e.pointer, e.code])).toEqual(
      expect.arrayContaining([
        ['/tables/0/columns/1/name', 'duplicate-name'],
        ['/tables/0/columns/2/default', 'default-mismatch'],
        ['/tables/0/columns/3', 'type-attribute'],
        ['/tables/2/name', 'duplicate-name'],
        ['/relationships/1/parent', 'dangling-reference'],
      ]),
    );
    expect(v.errors.find((e) => e.code === 'dangling-reference')?.hint).toBe('Did you mean "users"?');
    for (const e of v.errors) expect(e.hint).not.toBe('');
  });

  it.each([
    ['an empty model', { name: 'x', tables: [] }, ['/tables', 'empty-model']],
    ['not an object', [1, 2], ['', 'not-an-object']],
    ['an unknown field', { ...base(), extra: 1 }, ['/extra', 'schema']],
    [
      'a wrong type',
      { name: 'x', tables: [{ name: 'a', columns: [{ name: 'b', type: 'varchar' }] }] },
      ['/tables/0/columns/0/type', 'schema'],
    ],
  ])('%s', (_what, model, expected) => {
    expect(errorsOf(model)).toContainEqual(expected);
  });

  it.each([
    ['a quote', "users'"],
    ['a newline', 'users\nDROP'],
    ['__import__', '__import__'],
    ['an SQL fragment', 'users; drop table users'],
    ['a comment opener', 'a/*b'],
    ['upper case', 'Users'],
    ['a leading digit', '1users'],
    ['64 characters', `a${'b'.repeat(63)}`],
  ])('rejects a name with %s before it can reach a generated file', (_what, name) => {
    const m = base();
    (m.tables[0] as { name: string }).name = name;
    expect(errorsOf(m)).toContainEqual(['/tables/0/name', 'schema']);
    const c = base();
    (c.tables[1]?.columns[0] as { name: string }).name = name;
    expect(errorsOf(c)).toContainEqual(['/tables/1/columns/0/name', 'schema']);
  });

  it.each([
    ['class', 'Python'],
    ['function', 'TypeScript'],
    ['select', 'SQL'],
    ['metadata', 'the generated models'],
  ])('rejects the reserved word %s (%s)', (word, language) => {
    const m = base();
    (m.tables[1]?.columns[0] as { name: string }).name = word;
    const v = validateModel(m);
    expect(v.valid).toBe(false);
    if (!v.valid) expect(v.errors[0]?.message).toContain(`reserved word in ${language}`);
  });

  it.each([
    [{ name: 'a', type: 'integer', default: 1.5 }, 'default-mismatch'],
    [{ name: 'a', type: 'integer', default: 3_000_000_000 }, 'default-mismatch'],
    [{ name: 'a', type: 'boolean', default: 'yes' }, 'default-mismatch'],
    [{ name: 'a', type: 'date', default: '31/01/2024' }, 'default-mismatch'],
    [{ name: 'a', type: 'datetime', default: '2024-01-31T12:00:00' }, 'default-mismatch'],
    [{ name: 'a', type: 'uuid', default: 'abc' }, 'default-mismatch'],
    [{ name: 'a', type: 'enum', values: ['x', 'y'], default: 'z' }, 'default-mismatch'],
    [{ name: 'a', type: 'string', length: 3, default: 'toolong' }, 'default-mismatch'],
    [{ name: 'a', type: 'integer', check: { min: 5 }, default: 1 }, 'default-mismatch'],
    [{ name: 'a', type: 'string', default: null }, 'default-mismatch'],
    [{ name: 'a', type: 'enum' }, 'type-attribute'],
    [{ name: 'a', type: 'text', length: 10 }, 'type-attribute'],
    [{ name: 'a', type: 'decimal', precision: 4, scale: 6 }, 'type-attribute'],
    [{ name: 'a', type: 'integer', check: { pattern: 'x' } }, 'check-type'],
    [{ name: 'a', type: 'string', check: { min: 1 } }, 'check-type'],
    [{ name: 'a', type: 'integer', check: { min: 5, max: 1 } }, 'check-range'],
    [{ name: 'a', type: 'string', length: 10, check: { maxLength: 20 } }, 'check-range'],
    [{ name: 'a', type: 'string', check: { pattern: '([a-z' } }, 'bad-pattern'],
  ])('column %j → %s', (column, code) => {
    const m = { name: 'x', tables: [{ name: 'things', columns: [column] }] };
    expect(errorsOf(m).map(([, c]) => c)).toContain(code);
  });

  it('finds a cycle of required foreign keys, a required self-reference included, and accepts optional ones', () => {
    const cycle = {
      name: 'x',
      tables: [
        { name: 'a_items', columns: [] },
        { name: 'b_items', columns: [] },
        { name: 'nodes', columns: [] },
      ],
      relationships: [
        { kind: 'one-to-many', parent: 'a_items', child: 'b_items', required: true },
        { kind: 'one-to-many', parent: 'b_items', child: 'a_items', required: true },
        {
          kind: 'one-to-many',
          parent: 'nodes',
          child: 'nodes',
          required: true,
          foreignKey: 'parent_id',
          parentField: 'parent',
          childField: 'children',
        },
      ],
    };
    const found = errorsOf(cycle).filter(([, c]) => c === 'required-cycle');
    expect(found.length).toBe(2);
    for (const r of cycle.relationships) r.required = false;
    expect(errorsOf(cycle)).toEqual([]);
  });

  it('checks relationship names: collisions, self-references, set-null on a required key, misplaced attributes', () => {
    const m = base();
    (m.tables[1] as { columns: unknown[] }).columns.push({ name: 'user_id', type: 'integer' });
    m.relationships.push(
      { kind: 'one-to-many', parent: 'posts', child: 'posts' } as never,
      {
        kind: 'one-to-many',
        parent: 'users',
        child: 'posts',
        required: true,
        onDelete: 'set-null',
        foreignKey: 'editor_id',
        parentField: 'editor',
        childField: 'edited',
      } as never,
      {
        kind: 'many-to-many',
        parent: 'users',
        child: 'posts',
        required: true,
        childField: 'liked',
        parentField: 'likers',
      } as never,
    );
    expect(errorsOf(m)).toEqual(
      expect.arrayContaining([
        ['/relationships/0/foreignKey', 'name-collision'],
        ['/relationships/1', 'self-reference-names'],
        ['/relationships/2/onDelete', 'on-delete-conflict'],
        ['/relationships/3/required', 'relationship-attribute'],
      ]),
    );
  });

  it('enforces the limits: bytes, tables, columns per table, relationships per table', () => {
    const big = JSON.stringify({ name: 'x', description: 'a'.repeat(200), tables: [] });
    expect(validateModel(big, { ...DEFAULT_LIMITS, maxBytes: 100 }).errors[0]?.code).toBe('too-large');
    const tables = { name: 'x', tables: Array.from({ length: 51 }, (_, i) => ({ name: `t${i}`, columns: [] })) };
    expect(errorsOf(tables)).toEqual([['/tables', 'too-many-tables']]);
    const columns = {
      name: 'x',
      tables: [{ name: 'wide', columns: Array.from({ length: 101 }, (_, i) => ({ name: `c${i}`, type: 'text' })) }],
    };
    expect(errorsOf(columns)).toEqual([['/tables/0/columns', 'too-many-columns']]);
    const rels = {
      name: 'x',
      tables: [
        { name: 'hubs', columns: [] },
        ...Array.from({ length: 51 }, (_, i) => ({ name: `s${i}`, columns: [] })),
      ],
      relationships: Array.from({ length: 51 }, (_, i) => ({ kind: 'one-to-many', parent: 'hubs', child: `s${i}` })),
    };
    const v = validateModel(rels, { ...DEFAULT_LIMITS, maxTables: 100 });
    expect(v.valid ? [] : v.errors.map((e) => [e.pointer, e.code])).toEqual([['/tables/0', 'too-many-relationships']]);
  });

  it('reports malformed JSON text with line and column', () => {
    const v = validateModel('{\n  "name": "x",\n  "tables": [1,,]\n}');
    expect(v.valid).toBe(false);
    if (!v.valid)
      expect(v.errors[0]).toMatchObject({
        code: 'malformed-json',
        message: expect.stringMatching(/line 3, column 16/),
      });
  });
});

describe('planModel', () => {
  it('plans the blog: keys, both sides of every relationship, a join table, indexes and build order', () => {
    const v = validateModel(load('blog.json'));
    if (!v.valid) throw new Error('invalid');
    const plan = planModel(v.model, Object.values(TARGETS));
    expect(plan.buildOrder).toEqual(['users', 'profiles', 'categories', 'posts', 'comments', 'tags', 'post_tags']);
    const posts = plan.tables.find((t) => t.name === 'posts');
    expect(posts?.columns.map((c) => c.name)).toEqual([
      'id',
      'title',
      'body',
      'status',
      'published_at',
      'views',
      'author_id',
      'category_id',
    ]);
    expect(posts?.columns.find((c) => c.name === 'author_id')).toMatchObject({
      nullable: false,
      index: true,
      references: { table: 'users', column: 'id', onDelete: 'cascade' },
    });
    expect(posts?.relations.map((r) => [r.field, r.cardinality, r.target, r.via.kind])).toEqual([
      ['author', 'one', 'users', 'fk-here'],
      ['category', 'one', 'categories', 'fk-here'],
      ['comments', 'many', 'comments', 'fk-there'],
      ['tags', 'many', 'tags', 'join'],
    ]);
    expect(posts?.indexes.map((i) => i.name)).toEqual([
      'ix_posts_status',
      'ix_posts_author_id',
      'ix_posts_category_id',
    ]);
    const profiles = plan.tables.find((t) => t.name === 'profiles');
    expect(profiles?.uniques).toEqual([['user_id']]);
    const join = plan.tables.find((t) => t.name === 'post_tags');
    expect(join).toMatchObject({ isJoinTable: true, primaryKey: ['post_id', 'tag_id'] });
    const categories = plan.tables.find((t) => t.name === 'categories');
    expect(categories?.relations.map((r) => r.field)).toEqual(expect.arrayContaining(['parent', 'children', 'posts']));
    expect(plan.files.filter((f) => f.target === 'fastapi').length).toBeGreaterThan(10);
    expect(plan.files.filter((f) => f.target === 'fastify').length).toBeGreaterThan(10);
  });

  it('names self-referential many-to-many join columns after the roles', () => {
    const v = validateModel(load('events.json'));
    if (!v.valid) throw new Error('invalid');
    const join = planModel(v.model).tables.find((t) => t.name === 'speaker_follows');
    expect(join?.primaryKey).toEqual(['follower_id', 'following_id']);
  });

  it('is deterministic, and both targets generate byte-identical files from the same model', () => {
    for (const f of fs.readdirSync(MODELS)) {
      const v = validateModel(load(f));
      if (!v.valid) throw new Error(f);
      expect(JSON.stringify(planModel(v.model))).toBe(JSON.stringify(planModel(structuredClone(v.model))));
      for (const target of Object.values(TARGETS)) {
        expect(target.generate(planModel(v.model))).toEqual(target.generate(planModel(structuredClone(v.model))));
      }
    }
  });

  it('derives singular names', () => {
    expect(['categories', 'order_items', 'addresses', 'boxes', 'people', 'status', 'statuses'].map(singular)).toEqual([
      'category',
      'order_item',
      'address',
      'box',
      'person',
      'status',
      'status',
    ]);
  });
});
