import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestServer, type TestServer } from '../support/server.ts';

const MODELS = path.resolve(import.meta.dirname, '../../examples/models');
const blog = JSON.parse(fs.readFileSync(path.join(MODELS, 'blog.json'), 'utf8'));

async function waitForRun(base: string, id: string) {
  for (let i = 0; i < 3000; i++) {
    const r = await api(base, 'GET', `/v1/runs/${id}`);
    if (['succeeded', 'failed', 'cancelled'].includes(String(r.json.status))) return r.json;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`run ${id} did not finish`);
}

describe('backend generator over HTTP', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('validates a model synchronously and previews its plan', async () => {
    const r = await api(t.url, 'POST', '/v1/backends/validate', { body: blog });
    expect(r.status).toBe(200);
    expect(r.json.valid).toBe(true);
    expect(r.json.summary).toMatchObject({ tables: 6, joinTables: 1, relationships: 7 });
    expect(String(r.json.planMarkdown)).toContain('### `post_tags` (PostTag, join table)');
    const schema = await api(t.url, 'GET', '/v1/backends/schema');
    expect(schema.headers.get('content-type')).toContain('application/schema+json');
    expect(schema.json.title).toBe('Orbit backend data model');
  });

  it('answers an invalid model with every error, each with a pointer and a hint; malformed JSON is a 400', async () => {
    const bad = structuredClone(blog);
    bad.tables[0].columns.push({ name: 'class', type: 'string' });
    bad.relationships.push({ kind: 'one-to-many', parent: 'userz', child: 'posts' });
    bad.tables[3].columns[4].default = 'many';
    const r = await api(t.url, 'POST', '/v1/backends/validate', { body: bad });
    expect(r.status).toBe(200);
    expect(r.json.valid).toBe(false);
    const errors = r.json.errors as { pointer: string; code: string; hint: string }[];
    expect(errors.map((e) => [e.pointer, e.code])).toEqual(
      expect.arrayContaining([
        ['/tables/0/columns/4/name', 'reserved-word'],
        ['/relationships/7/parent', 'dangling-reference'],
        ['/tables/3/columns/4/default', 'default-mismatch'],
      ]),
    );
    for (const e of errors) expect(e.hint.length).toBeGreaterThan(5);

    const malformed = await api(t.url, 'POST', '/v1/backends/validate', {
      rawBody: '{"name": "x", "tables": [}',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toContain('application/problem+json');
  });

  it('refuses a body past the size limit with 413, and a model past the table limit with its pointer', async () => {
    const huge = await api(t.url, 'POST', '/v1/backends/validate', {
      rawBody: `{"name":"x","description":"${'a'.repeat(11 * 1024 * 1024)}","tables":[]}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(huge.status).toBe(413);
    const many = {
      name: 'many',
      tables: Array.from({ length: 51 }, (_, i) => ({ name: `t${i}`, columns: [] })),
    };
    const r = await api(t.url, 'POST', '/v1/backends/validate', { body: many });
    expect(r.json.errors).toEqual([expect.objectContaining({ pointer: '/tables', code: 'too-many-tables' })]);
  });

  it('POST /v1/backends refuses an invalid model (422 with pointers into the input) and an unknown target (400) before any run', async () => {
    const invalid = await api(t.url, 'POST', '/v1/backends', {
      body: { model: { name: 'x', tables: [] }, target: 'fastapi' },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.json.type).toContain('invalid-model');
    expect(invalid.json.errors).toEqual([expect.objectContaining({ pointer: '/input/model/tables' })]);
    const unknown = await api(t.url, 'POST', '/v1/backends', { body: { model: blog, target: 'rails' } });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.json)).toContain('/body/target');
  });

  it('generates a project as a run: plan artifacts, a .tar.gz whose files match a second generation byte for byte', async () => {
    const start = async () => {
      const r = await api(t.url, 'POST', '/v1/backends', { body: { model: blog, target: 'fastify', gate: false } });
      expect(r.status).toBe(202);
      const done = await waitForRun(t.url, String(r.json.id));
      expect(done.status).toBe('succeeded');
      return { id: String(r.json.id), output: done.output as { archive: string; files: number; lines: number } };
    };
    const first = await start();
    expect(first.output).toMatchObject({ archive: 'blog-fastify.tar.gz' });
    expect(first.output.files).toBeGreaterThan(10);
    const plan = await api(t.url, 'GET', `/v1/runs/${first.id}/artifacts/plan.md`);
    expect(plan.text).toContain('# Plan: blog');
    const events = JSON.stringify((await api(t.url, 'GET', `/v1/runs/${first.id}/events`)).json);
    for (const e of ['backend.validated', 'backend.planned', 'backend.generated']) expect(events).toContain(e);

    const unpack = async (id: string) => {
      const res = await fetch(`${t.url}/v1/runs/${id}/artifacts/blog-fastify.tar.gz`);
      expect(res.headers.get('content-type')).toContain('application/gzip');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-archive-'));
      fs.writeFileSync(path.join(dir, 'a.tar.gz'), Buffer.from(await res.arrayBuffer()));
      execFileSync('tar', ['-xzf', 'a.tar.gz'], { cwd: dir });
      const out = execFileSync('sh', ['-c', 'find blog -type f | sort | xargs sha256sum'], { cwd: dir }).toString();
      fs.rmSync(dir, { recursive: true, force: true });
      return out;
    };
    const second = await start();
    const a = await unpack(first.id);
    expect(a.split('\n').length).toBeGreaterThan(10);
    expect(await unpack(second.id)).toBe(a);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/orbit_backend_generations_total\{target="fastify",outcome="succeeded"\} 2/);
    expect(metrics).toMatch(/orbit_backend_generated_files_total\{target="fastify"\} [1-9]/);
  });
});
