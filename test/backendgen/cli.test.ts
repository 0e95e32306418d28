import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planModel } from '../../src/backendgen/plan/index.ts';
import { TARGETS } from '../../src/backendgen/targets/index.ts';
import { validateModel } from '../../src/backendgen/validate/index.ts';
import { runOrbit } from '../support/orbit.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BLOG = path.join(ROOT, 'examples/models/blog.json');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-backend-cli-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function orbit(args: string[]) {
  return runOrbit(args, { cwd: work, env: { HOME: work, ORBIT_HOME: work } });
}

describe('orbit backend', () => {
  it('prints the JSON Schema, which the examples reference and validate against', async () => {
    const r = await orbit(['backend', 'schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(schema.$id).toBe('https://orbit.dev/schemas/backend-model.json');
    const published = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/schemas/backend-model.json'), 'utf8'));
    expect(published).toEqual(schema);
  });

  it('validate: exit 0 for a valid model; exit 1 with every error, pointer and hint for a bad one', async () => {
    expect((await orbit(['backend', 'validate', BLOG])).stdout).toMatch(/valid — 6 tables, 7 relationships/);
    const bad = path.join(work, 'bad.json');
    fs.writeFileSync(
      bad,
      JSON.stringify({
        name: 'bad',
        tables: [
          {
            name: 'users',
            columns: [
              { name: 'import', type: 'string' },
              { name: 'age', type: 'integer', default: 'old' },
            ],
          },
          { name: 'users', columns: [] },
        ],
        relationships: [{ kind: 'one-to-many', parent: 'users', child: 'ghosts' }],
      }),
    );
    const r = await orbit(['backend', 'validate', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/tables/0/columns/0/name');
    expect(r.stderr).toContain('reserved word in');
    expect(r.stderr).toContain('/tables/0/columns/1/default');
    expect(r.stderr).toContain('/tables/1/name');
    expect(r.stderr).toContain('/relationships/0/child');
    expect(r.stderr).toContain('→');
    const broken = path.join(work, 'broken.json');
    fs.writeFileSync(broken, '{\n  "name": "x",\n  "tables": [,]\n}');
    const b = await orbit(['backend', 'validate', broken]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/not valid JSON at line 3, column \d+/);
  });

  it('generate: --plan-only writes nothing; --no-gate writes exactly the planned files; a non-empty --out needs --force', async () => {
    const out = path.join(work, 'blog-api');
    const planOnly = await orbit(['backend', 'generate', BLOG, '--target', 'fastapi', '--out', out, '--plan-only']);
    expect(planOnly.code).toBe(0);
    expect(planOnly.stdout).toContain('# Plan: blog');
    expect(fs.existsSync(out)).toBe(false);

    const r = await orbit(['backend', 'generate', BLOG, '--target', 'fastapi', '--out', out, '--no-gate']);
    expect(r.code, r.stderr).toBe(0);
    const v = validateModel(fs.readFileSync(BLOG, 'utf8'));
    if (!v.valid) throw new Error('blog.json is invalid');
    const planned = TARGETS.fastapi.files(planModel(v.model, [TARGETS.fastapi])).map((f) => f.path);
    const written = (fs.readdirSync(out, { recursive: true }) as string[])
      .filter((p) => fs.statSync(path.join(out, p)).isFile())
      .sort();
    expect(written).toEqual([...planned].sort());

    const again = await orbit(['backend', 'generate', BLOG, '--target', 'fastapi', '--out', out, '--no-gate']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is not empty; choose an empty directory or pass --force/);
    const forced = await orbit([
      'backend',
      'generate',
      BLOG,
      '--target',
      'fastapi',
      '--out',
      out,
      '--no-gate',
      '--force',
    ]);
    expect(forced.code).toBe(0);
  });

  it('refuses an unknown target and a missing model file with a clear message', async () => {
    const t = await orbit(['backend', 'generate', BLOG, '--target', 'rails', '--out', path.join(work, 'x')]);
    expect(t.code).not.toBe(0);
    expect(t.stderr).toMatch(/Allowed choices are fastapi, fastify/);
    const m = await orbit(['backend', 'validate', path.join(work, 'missing.json')]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/Cannot read the model/);
  });
});
