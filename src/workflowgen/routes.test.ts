import fs from 'node:fs';
import path from 'node:path';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../platform/db/client.ts';
import { errorsPlugin } from '../server/plugins/errors.ts';
import type { Principal } from '../server/types.ts';
import { validatorCompiler } from '../server/validation.ts';
import { KnowledgeBase } from './kb/index.ts';
import { chatflowDsl, codeWorkflowDsl, danglingEdgeDsl, yamlBomb } from './kb/testing.ts';
import { workflowRoutes } from './routes.ts';

const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/workflows');
const TRANSLATION = fs.readFileSync(path.join(EXAMPLES, '43-translation-workflow.yml'), 'utf8');
const MALFORMED = 'app:\n  name: x\n  mode: workflow\nworkflow: [unclosed\n';

type Json = Record<string, unknown> & {
  errors?: { pointer: string; message: string; rule?: string; line?: number }[];
  results?: Record<string, unknown>[];
};

/** The parts of the real server these routes rely on: strict validation, problem+json, only the parsers it keeps. */
async function buildApp(database: Database, routeConfig: Map<string, unknown>): Promise<FastifyInstance> {
  const app = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.removeContentTypeParser('text/plain');
  await app.register(errorsPlugin);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeConfig.set(`${method} ${route.url}`, route.config);
  });
  app.addHook('onRequest', async (request) => {
    request.principal = { kind: 'local', id: 'local', role: 'admin' } satisfies Principal;
  });
  await app.register(workflowRoutes, { database });
  await app.ready();
  return app as unknown as FastifyInstance;
}

describe('workflow routes', () => {
  let database: Database;
  let app: FastifyInstance;
  const routeConfig = new Map<string, unknown>();

  beforeAll(async () => {
    database = await openDatabase({ dataDir: 'memory://' });
    await database.migrate();
    await new KnowledgeBase(database).seedBuiltins(EXAMPLES);
    app = await buildApp(database, routeConfig);
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  async function call(method: 'GET' | 'POST' | 'DELETE', url: string, body?: string | object, type?: string) {
    const res = await app.inject({
      method,
      url,
      ...(body === undefined
        ? {}
        : {
            payload: typeof body === 'string' ? body : JSON.stringify(body),
            headers: { 'content-type': type ?? 'application/json' },
          }),
    });
    return { status: res.statusCode, headers: res.headers, json: (res.body ? res.json() : {}) as Json };
  }

  describe('POST /v1/workflows/validate', () => {
    it('validates raw YAML sent as application/yaml and as text/yaml', async () => {
      for (const type of ['application/yaml', 'text/yaml; charset=utf-8']) {
        const r = await call('POST', '/v1/workflows/validate', TRANSLATION, type);
        expect(r.status, type).toBe(200);
        expect(r.json).toMatchObject({ valid: true, targetVersion: '0.6.0', errors: [] });
        expect((r.json.warnings as { rule: string }[]).map((w) => w.rule)).toContain('document.version-old');
      }
    });

    it('validates JSON {dsl, targetVersion} and reports every error with rule, pointer, line and column', async () => {
      const r = await call('POST', '/v1/workflows/validate', { dsl: danglingEdgeDsl(), targetVersion: '0.7.0' });
      expect(r.status).toBe(200);
      expect(r.json.valid).toBe(false);
      expect(r.json.targetVersion).toBe('0.7.0');
      expect(r.json.errors).toContainEqual({
        rule: 'edge.dangling-target',
        path: '/workflow/graph/edges/1/target',
        message: expect.stringContaining('"ghost"'),
        line: expect.any(Number),
        column: expect.any(Number),
      });
    });

    it('takes the target version from the query for raw YAML, and refuses two different ones', async () => {
      const dsl = chatflowDsl({ name: 'v7', prompt: 'hi' }).replace('version: 0.6.0', 'version: 0.7.0');
      const old = await call('POST', '/v1/workflows/validate', dsl, 'application/yaml');
      expect(old.json.errors?.map((e) => e.rule)).toContain('document.version-unsupported');
      const v7 = await call('POST', '/v1/workflows/validate?targetVersion=0.7.0', dsl, 'application/yaml');
      expect(v7.json).toMatchObject({ valid: true, targetVersion: '0.7.0' });
      const both = await call('POST', '/v1/workflows/validate?targetVersion=0.6.0', { dsl, targetVersion: '0.7.0' });
      expect(both.status).toBe(400);
      expect(both.json.type).toBe('https://orbit.dev/problems/conflicting-target-version');
    });

    it('answers malformed YAML with a 400 problem naming line and column', async () => {
      const r = await call('POST', '/v1/workflows/validate', MALFORMED, 'application/yaml');
      expect(r.status).toBe(400);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.json.type).toBe('https://orbit.dev/problems/malformed-yaml');
      expect(r.json.detail).toMatch(/line \d+, column \d+/);
      expect(r.json.errors?.[0]).toMatchObject({ rule: 'yaml.syntax', line: expect.any(Number) });
    });

    it('stops a YAML bomb with a 400 instead of expanding it', async () => {
      const r = await call('POST', '/v1/workflows/validate', { dsl: yamlBomb() });
      expect(r.status).toBe(400);
      expect(r.json.errors?.map((e) => e.rule)).toEqual(['yaml.alias-limit']);
    });

    it('refuses a body over 10 MB with 413', async () => {
      const big = `app: {name: x, mode: workflow}\n#${'x'.repeat(10 * 1024 * 1024)}\n`;
      const r = await call('POST', '/v1/workflows/validate', big, 'application/yaml');
      expect(r.status).toBe(413);
      expect(r.json.type).toBe('https://orbit.dev/problems/body-too-large');
    });

    it('refuses other content types with a 415 that says what to send', async () => {
      const r = await call('POST', '/v1/workflows/validate', TRANSLATION, 'text/plain');
      expect(r.status).toBe(415);
      expect(r.json.detail).toContain('application/yaml');
      const none = await app.inject({ method: 'POST', url: '/v1/workflows/validate', payload: TRANSLATION });
      expect(none.statusCode).toBe(415);
    });

    it('refuses unknown fields, an empty DSL and an unknown target version, with pointers', async () => {
      const extra = await call('POST', '/v1/workflows/validate', { dsl: TRANSLATION, strict: true });
      expect(extra.status).toBe(400);
      expect(extra.json.errors).toContainEqual({ pointer: '/body/strict', message: expect.stringContaining('remove') });
      const empty = await call('POST', '/v1/workflows/validate', { dsl: '' });
      expect(empty.json.errors?.[0]?.pointer).toBe('/body/dsl');
      const version = await call('POST', '/v1/workflows/validate', { dsl: TRANSLATION, targetVersion: '0.8.0' });
      expect(version.status).toBe(400);
      expect(version.json.errors?.some((e) => e.pointer === '/body/targetVersion')).toBe(true);
    });
  });

  describe('/v1/knowledge', () => {
    it('lists every entry without DSL when there is no query (or a blank one)', async () => {
      for (const url of ['/v1/knowledge?limit=100', '/v1/knowledge?q=%20%20&limit=100']) {
        const r = await call('GET', url);
        expect(r.status).toBe(200);
        expect(r.json).toMatchObject({ query: null, strategy: 'list' });
        expect(r.json.results).toHaveLength(14);
        expect(r.json.results?.[0]).not.toHaveProperty('dsl');
      }
      const chat = await call('GET', '/v1/knowledge?mode=advanced-chat&limit=100');
      expect(chat.json.results?.every((e) => e.mode === 'advanced-chat')).toBe(true);
      expect(chat.json.results?.length).toBe(8);
    });

    it('searches with full-text ranking, and says when nothing matches', async () => {
      const r = await call('GET', '/v1/knowledge?q=translation&limit=3');
      expect(r.json.strategy).toBe('fulltext');
      expect(r.json.results?.[0]).toMatchObject({ name: 'translation_workflow', score: expect.any(Number) });
      const none = await call('GET', '/v1/knowledge?q=xyzzy%20plugh');
      expect(none.json).toEqual({ query: 'xyzzy plugh', strategy: 'none', results: [] });
      const stop = await call('GET', '/v1/knowledge?q=the%20of%20and&limit=2');
      expect(stop.json.strategy).toBe('all');
      expect(stop.json.results).toHaveLength(2);
    });

    it('refuses a bad limit, an unknown mode and unknown parameters', async () => {
      for (const q of ['limit=0', 'limit=101', 'limit=ten', 'mode=chat', 'sort=name']) {
        const r = await call('GET', `/v1/knowledge?${q}`);
        expect(r.status, q).toBe(400);
        expect(r.json.errors?.[0]?.pointer, q).toMatch(/^\/querystring/);
      }
    });

    it('adds a user workflow (201, Location), returns the same entry for the same DSL, serves it with its DSL', async () => {
      const dsl = codeWorkflowDsl({ name: 'Shout', title: 'Uppercase the text' });
      const added = await call('POST', '/v1/knowledge', { dsl, description: 'Turns text into capitals' });
      expect(added.status).toBe(201);
      expect(added.headers.location).toBe(`/v1/knowledge/${added.json.id}`);
      expect(added.json).toMatchObject({
        created: true,
        name: 'Shout',
        description: 'Turns text into capitals',
        mode: 'workflow',
        source: 'user',
        nodeTypes: ['code', 'end', 'start'],
        patterns: ['code'],
      });
      const again = await call('POST', '/v1/knowledge', { dsl: dsl.replace(/\n/g, '\r\n') });
      expect(again.status).toBe(200);
      expect(again.json).toMatchObject({ id: added.json.id, created: false });
      const got = await call('GET', `/v1/knowledge/${added.json.id}`);
      expect(got.json).toMatchObject({ id: added.json.id, dsl });
      const found = await call('GET', '/v1/knowledge?q=uppercase');
      expect(found.json.results?.[0]?.id).toBe(added.json.id);
    });

    it('refuses an invalid DSL with 400 and every error as a pointer into the DSL', async () => {
      const r = await call('POST', '/v1/knowledge', { dsl: danglingEdgeDsl() });
      expect(r.status).toBe(400);
      expect(r.json.type).toBe('https://orbit.dev/problems/invalid-workflow');
      expect(r.json.detail).toContain('edge.dangling-target');
      expect(r.json.errors).toContainEqual(
        expect.objectContaining({ pointer: '/workflow/graph/edges/1/target', rule: 'edge.dangling-target' }),
      );
      const malformed = await call('POST', '/v1/knowledge', { dsl: MALFORMED });
      expect(malformed.status).toBe(400);
      expect(malformed.json.detail).toMatch(/line \d+, column \d+/);
      const list = await call('GET', '/v1/knowledge?q=Broken');
      expect(list.json.results?.some((e) => e.name === 'Broken')).toBe(false);
    });

    it('refuses unknown fields and YAML bodies on POST /v1/knowledge', async () => {
      const extra = await call('POST', '/v1/knowledge', { dsl: TRANSLATION, tags: ['x'] });
      expect(extra.status).toBe(400);
      expect(extra.json.errors?.[0]?.pointer).toBe('/body/tags');
      const yaml = await call('POST', '/v1/knowledge', TRANSLATION, 'application/yaml');
      expect(yaml.status).toBe(415);
    });

    it('deletes user workflows (204, then 404) but not shipped ones (409)', async () => {
      const added = await call('POST', '/v1/knowledge', { dsl: chatflowDsl({ name: 'Temp', prompt: 'Be brief.' }) });
      expect((await call('DELETE', `/v1/knowledge/${added.json.id}`)).status).toBe(204);
      const gone = await call('GET', `/v1/knowledge/${added.json.id}`);
      expect(gone.status).toBe(404);
      expect(gone.json.type).toBe('https://orbit.dev/problems/knowledge-workflow-not-found');
      expect((await call('DELETE', `/v1/knowledge/${added.json.id}`)).status).toBe(404);
      const builtin = (await call('GET', '/v1/knowledge?q=translation')).json.results?.[0];
      const refused = await call('DELETE', `/v1/knowledge/${builtin?.id}`);
      expect(refused.status).toBe(409);
      expect(refused.json.type).toBe('https://orbit.dev/problems/builtin-workflow');
      expect((await call('GET', `/v1/knowledge/${builtin?.id}`)).status).toBe(200);
    });
  });

  it('declares who may call each route and the extra rate-limit tier of the ones that validate', () => {
    expect(routeConfig.get('POST /v1/workflows/validate')).toEqual({ auth: 'viewer', rateLimit: 'validation' });
    expect(routeConfig.get('GET /v1/knowledge')).toEqual({ auth: 'viewer' });
    expect(routeConfig.get('GET /v1/knowledge/:id')).toEqual({ auth: 'viewer' });
    expect(routeConfig.get('POST /v1/knowledge')).toEqual({ auth: 'member', rateLimit: 'validation' });
    expect(routeConfig.get('DELETE /v1/knowledge/:id')).toEqual({ auth: 'member' });
  });
});
