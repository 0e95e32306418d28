/**
 * The fastify target end to end: generated projects pass their own quality gate (tsc strict, ESLint, vitest against
 * PGlite in the sandbox), generation is byte-identical whatever the clock says, user text cannot escape its literal
 * or comment, and the generated tests have teeth (mutants of the schema and of the handlers make them fail).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { nodeGate, runNodeTests } from '../../src/backendgen/gate/node.ts';
import { planModel } from '../../src/backendgen/plan/index.ts';
import type { GateReport, GeneratedFile, Plan, PlannedColumn } from '../../src/backendgen/targets/fastify/contract.ts';
import { fastifyTarget } from '../../src/backendgen/targets/fastify/index.ts';
import { validateModel } from '../../src/backendgen/validate/index.ts';
import { runSandboxed, sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import { hasPostgres, itWhen, POSTGRES_MISSING, postgresUrl } from '../support/services.ts';

const col = (o: Record<string, unknown>): PlannedColumn =>
  ({ nullable: false, unique: false, index: false, primaryKey: false, ...o }) as PlannedColumn;
const pkInt = col({ name: 'id', type: 'integer', primaryKey: true });
const pkUuid = col({ name: 'id', type: 'uuid', primaryKey: true });
const fixturePlan: Plan = {
  name: 'blog_demo',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: generated or hostile text, not a template
  description: 'A */ hostile "desc"\n globalThis.hacked = 3; `${hacked}`',
  tables: [
    {
      name: 'users',
      className: 'User',
      singular: 'user',
      isJoinTable: false,
      primaryKey: ['id'],
      columns: [
        pkInt,
        col({
          name: 'email',
          type: 'string',
          length: 255,
          unique: true,
          check: { pattern: '^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$', maxLength: 200 },
          description: 'mail */ console.log("x") \n // evil',
        }),
        col({ name: 'name', type: 'string', length: 40, check: { minLength: 2 } }),
        col({ name: 'age', type: 'integer', nullable: true, check: { min: 0, max: 150 } }),
        col({ name: 'nickname', type: 'string', length: 80, default: 'it\'s --> statement-breakpoint \\ "x" */' }),
        col({ name: 'active', type: 'boolean', default: true }),
        col({ name: 'joined_on', type: 'date', nullable: true }),
        col({
          name: 'settings',
          type: 'json',
          nullable: true,
          default: { theme: "d'ark", note: "'); DROP TABLE users; --> statement-breakpoint */" },
        }),
        col({ name: 'score', type: 'bigint', default: 0 }),
      ],
      uniques: [['email']],
      indexes: [{ name: 'ix_users_name', columns: ['name'] }],
      relations: [
        {
          field: 'posts',
          cardinality: 'many',
          target: 'posts',
          via: { kind: 'fk-there', column: 'author_id' },
          inverse: 'author',
          relationshipIndex: 0,
        },
        {
          field: 'profile',
          cardinality: 'one',
          target: 'profiles',
          via: { kind: 'fk-there', column: 'user_id' },
          inverse: 'user',
          relationshipIndex: 1,
        },
      ],
    },
    {
      name: 'categories',
      className: 'Category',
      singular: 'category',
      isJoinTable: false,
      primaryKey: ['id'],
      columns: [
        pkInt,
        col({
          name: 'title',
          type: 'string',
          length: 80,
          unique: true,
          check: { pattern: '^[a-z]+[0-9]*(\\*/|\'|"|`)?$' },
          // biome-ignore lint/suspicious/noTemplateCurlyInString: generated or hostile text, not a template
          description: 'ends */ globalThis.hacked = 1; /*\nglobalThis.hacked = 2; // ${hacked}',
        }),
        col({
          name: 'parent_id',
          type: 'integer',
          nullable: true,
          references: { table: 'categories', column: 'id', onDelete: 'set-null' },
        }),
      ],
      uniques: [['title']],
      indexes: [{ name: 'ix_categories_parent_id', columns: ['parent_id'] }],
      relations: [
        {
          field: 'parent',
          cardinality: 'one',
          target: 'categories',
          via: { kind: 'fk-here', column: 'parent_id' },
          inverse: 'children',
          relationshipIndex: 2,
        },
        {
          field: 'children',
          cardinality: 'many',
          target: 'categories',
          via: { kind: 'fk-there', column: 'parent_id' },
          inverse: 'parent',
          relationshipIndex: 2,
        },
        {
          field: 'posts',
          cardinality: 'many',
          target: 'posts',
          via: { kind: 'fk-there', column: 'category_id' },
          inverse: 'category',
          relationshipIndex: 5,
        },
      ],
    },
    {
      name: 'posts',
      className: 'Post',
      singular: 'post',
      isJoinTable: false,
      primaryKey: ['id'],
      columns: [
        pkInt,
        col({ name: 'title', type: 'string', length: 120, check: { minLength: 1, maxLength: 120 } }),
        col({ name: 'body', type: 'text' }),
        col({ name: 'status', type: 'enum', values: ['draft', 'published', 'archived'], default: 'draft' }),
        col({ name: 'price', type: 'decimal', precision: 10, scale: 2, check: { min: 0, max: 1000 } }),
        col({ name: 'published_at', type: 'datetime', nullable: true }),
        col({ name: 'created_at', type: 'datetime', default: 'now' }),
        col({ name: 'author_id', type: 'integer', references: { table: 'users', column: 'id', onDelete: 'cascade' } }),
        col({
          name: 'category_id',
          type: 'integer',
          nullable: true,
          references: { table: 'categories', column: 'id', onDelete: 'restrict' },
        }),
      ],
      uniques: [],
      indexes: [{ name: 'ix_posts_author_id', columns: ['author_id'] }],
      relations: [
        {
          field: 'author',
          cardinality: 'one',
          target: 'users',
          via: { kind: 'fk-here', column: 'author_id' },
          inverse: 'posts',
          relationshipIndex: 0,
        },
        {
          field: 'category',
          cardinality: 'one',
          target: 'categories',
          via: { kind: 'fk-here', column: 'category_id' },
          inverse: 'posts',
          relationshipIndex: 5,
        },
        {
          field: 'tags',
          cardinality: 'many',
          target: 'tags',
          via: { kind: 'join', joinTable: 'post_tags', ownColumn: 'post_id', targetColumn: 'tag_id' },
          inverse: 'posts',
          relationshipIndex: 3,
        },
      ],
    },
    {
      name: 'profiles',
      className: 'Profile',
      singular: 'profile',
      isJoinTable: false,
      primaryKey: ['id'],
      columns: [
        pkUuid,
        col({ name: 'bio', type: 'text', nullable: true }),
        col({
          name: 'user_id',
          type: 'integer',
          unique: true,
          references: { table: 'users', column: 'id', onDelete: 'cascade' },
        }),
      ],
      uniques: [['user_id']],
      indexes: [],
      relations: [
        {
          field: 'user',
          cardinality: 'one',
          target: 'users',
          via: { kind: 'fk-here', column: 'user_id' },
          inverse: 'profile',
          relationshipIndex: 1,
        },
      ],
    },
    {
      name: 'tags',
      className: 'Tag',
      singular: 'tag',
      isJoinTable: false,
      primaryKey: ['id'],
      columns: [
        pkUuid,
        col({ name: 'label', type: 'string', length: 30, unique: true, check: { pattern: '^[a-z][a-z0-9-]*$' } }),
        col({ name: 'ref', type: 'uuid', default: 'random' }),
      ],
      uniques: [['label']],
      indexes: [],
      relations: [
        {
          field: 'posts',
          cardinality: 'many',
          target: 'posts',
          via: { kind: 'join', joinTable: 'post_tags', ownColumn: 'tag_id', targetColumn: 'post_id' },
          inverse: 'tags',
          relationshipIndex: 3,
        },
      ],
    },
    {
      name: 'post_tags',
      className: 'PostTag',
      singular: 'post_tag',
      isJoinTable: true,
      primaryKey: ['post_id', 'tag_id'],
      columns: [
        col({
          name: 'post_id',
          type: 'integer',
          primaryKey: true,
          references: { table: 'posts', column: 'id', onDelete: 'cascade' },
        }),
        col({
          name: 'tag_id',
          type: 'uuid',
          primaryKey: true,
          references: { table: 'tags', column: 'id', onDelete: 'cascade' },
        }),
        col({ name: 'position', type: 'integer', default: 0, check: { min: 0 } }),
      ],
      uniques: [],
      indexes: [{ name: 'ix_post_tags_tag_id', columns: ['tag_id'] }],
      relations: [],
    },
  ],
  buildOrder: ['users', 'categories', 'posts', 'profiles', 'tags', 'post_tags'],
  files: [],
  warnings: [],
};

const sandbox = await sandboxAvailable();
const SANDBOX_MISSING = `the platform sandbox is unavailable: ${sandbox.reason ?? ''}`;

const scratch: string[] = [];

function write(files: GeneratedFile[], name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `orbit-fastify-${name}-`));
  scratch.push(dir);
  for (const f of files) {
    const file = path.join(dir, f.path);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, f.content);
  }
  return dir;
}

function step(report: GateReport, name: string) {
  const s = report.steps.find((x) => x.name === name);
  if (!s) throw new Error(`gate report has no ${name} step: ${JSON.stringify(report.steps.map((x) => x.name))}`);
  return s;
}

function explain(report: GateReport): string {
  return report.steps
    .filter((s) => !s.ok)
    .map((s) => `${s.name}: ${s.output.slice(-4000)}`)
    .join('\n');
}

afterAll(() => {
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

describe('fastify target: generation', () => {
  it('lists exactly the files it generates, each with a purpose', () => {
    const listed = fastifyTarget.files(fixturePlan);
    const generated = fastifyTarget.generate(fixturePlan);
    expect(listed.map((f) => f.path)).toEqual(generated.map((f) => f.path));
    expect(listed.every((f) => f.purpose.length > 0)).toBe(true);
    for (const p of [
      'package.json',
      'drizzle/0000_initial.sql',
      'drizzle/meta/_journal.json',
      'src/db/schema.ts',
      'eslint.config.js',
      'README.md',
    ]) {
      expect(generated.map((f) => f.path)).toContain(p);
    }
    for (const t of ['users', 'posts', 'tags', 'categories', 'profiles']) {
      expect(generated.map((f) => f.path)).toContain(`src/routes/${t}.ts`);
      expect(generated.map((f) => f.path)).toContain(`test/${t}.test.ts`);
    }
  });

  it('is deterministic: byte-identical output at two different clock times', () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(new Date('2001-02-03T04:05:06Z'));
      const first = fastifyTarget.generate(fixturePlan);
      vi.setSystemTime(new Date('2035-12-31T23:59:59Z'));
      const second = fastifyTarget.generate(structuredClone(fixturePlan));
      expect(second).toEqual(first);
      const all = first.map((f) => f.content).join('\n');
      expect(all).not.toContain('2001');
      expect(all).not.toContain('2035');
    } finally {
      vi.useRealTimers();
    }
  });

  it('pins every dependency to an exact version that allows Node 20', () => {
    const pkg = JSON.parse(fastifyTarget.generate(fixturePlan).find((f) => f.path === 'package.json')!.content) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
      engines: { node: string };
    };
    for (const v of [...Object.values(pkg.dependencies), ...Object.values(pkg.devDependencies)]) {
      expect(v).toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(pkg.dependencies).toHaveProperty('fastify');
    expect(pkg.dependencies).toHaveProperty('drizzle-orm');
    expect(pkg.engines.node).toBe('>=20.19');
  });

  it('keeps hostile descriptions, defaults and patterns inert: no code from them, valid syntax everywhere', () => {
    const files = fastifyTarget.generate(fixturePlan);
    for (const f of files.filter((x) => x.path.endsWith('.ts') || x.path.endsWith('.js'))) {
      const source = ts.createSourceFile(f.path, f.content, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
      const diagnostics = (source as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
      expect(
        diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
        f.path,
      ).toEqual([]);
      const identifiers: string[] = [];
      const visit = (node: ts.Node): void => {
        if (ts.isIdentifier(node)) identifiers.push(node.text);
        ts.forEachChild(node, visit);
      };
      visit(source);
      // "hacked" appears in the plan's descriptions and pattern only: it may be in strings and comments, never code.
      expect(identifiers, f.path).not.toContain('hacked');
    }
    const sql = files.find((f) => f.path === 'drizzle/0000_initial.sql')!.content;
    // drizzle's migrator splits on this marker: a default must not be able to contain it.
    const statements = sql.split('--> statement-breakpoint');
    expect(statements.every((s) => !/DROP TABLE/.test(s) || /E'.*DROP TABLE.*'::jsonb/.test(s))).toBe(true);
    expect(sql).toContain(`E'it\\'s --\\x3e statement-breakpoint`);
    const schema = files.find((f) => f.path === 'src/db/schema.ts')!.content;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: generated or hostile text, not a template
    expect(schema).toContain('// ends *\\/ globalThis.hacked = 1; /* globalThis.hacked = 2; // ${hacked}');
  });
});

describe('fastify target: quality gate', () => {
  let projectDir = '';
  let report: GateReport | undefined;

  beforeAll(async () => {
    if (!sandbox.available) return;
    projectDir = write(fastifyTarget.generate(fixturePlan), 'fixture');
    report = await nodeGate(projectDir);
  }, 900_000);

  itWhen(sandbox.available, SANDBOX_MISSING)(
    'passes: tsc strict, ESLint and the generated vitest tests in the sandbox',
    () => {
      expect(report!.ok, explain(report!)).toBe(true);
      expect(report!.steps.map((s) => s.name)).toEqual(['install', 'typecheck', 'lint', 'test']);
      expect(step(report!, 'typecheck').counts?.typeErrors).toBe(0);
      expect(step(report!, 'lint').counts?.lintProblems).toBe(0);
      const tests = step(report!, 'test').counts!;
      expect(tests.testsFailed).toBe(0);
      expect(tests.testsPassed).toBeGreaterThan(100);
      expect(tests.testFiles).toBe(5);
    },
  );

  itWhen(sandbox.available, SANDBOX_MISSING)(
    "the README's curl examples run as written against the started server (in the sandbox, on PGlite)",
    async () => {
      const readme = fs.readFileSync(path.join(projectDir, 'README.md'), 'utf8');
      const commands = readme
        .slice(readme.indexOf('## API'))
        .split('\n')
        .filter((line) => line.startsWith('curl ') || /^ID_[A-Z0-9_]+=\$\(curl /.test(line))
        // -f: any 4xx/5xx answer fails the script.
        .map((line) => line.replace(/curl -s /g, 'curl -sSf '));
      expect(commands.length).toBeGreaterThan(20);
      const nodePrefix = path.dirname(path.dirname(fs.realpathSync(process.execPath)));
      const script = [
        'node node_modules/tsx/dist/cli.mjs src/server.ts > /tmp/server.log 2>&1 &',
        'for i in $(seq 1 150); do curl -sf localhost:3000/health > /dev/null && break; sleep 0.2; done',
        'set -e',
        ...commands.map((c) => `${c}; echo`),
        'echo README-OK',
      ].join('\n');
      const result = await runSandboxed({
        command: '/bin/bash',
        args: ['-c', script],
        cwd: projectDir,
        workspace: projectDir,
        readOnly: [
          fs.realpathSync(path.join(projectDir, 'node_modules')),
          ...(nodePrefix.startsWith('/usr') ? [] : [nodePrefix]),
        ],
        env: { DATABASE_URL: 'memory://', PORT: '3000', PATH: `${nodePrefix}/bin:/usr/local/bin:/usr/bin:/bin` },
        timeoutMs: 120_000,
        memoryBytes: (sandbox.limits === 'rlimit' ? 32 : 4) * 1024 ** 3, // PGlite reserves ~10 GiB of address space
      });
      expect(result.stdout, `${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`).toContain('README-OK');
    },
    180_000,
  );

  itWhen(sandbox.available && hasPostgres, sandbox.available ? POSTGRES_MISSING : SANDBOX_MISSING)(
    'the generated tests also pass against a real PostgreSQL server (DATABASE_URL)',
    () => {
      // Outside the sandbox: it has no network, and the server's Unix socket uses peer authentication.
      const run = spawnSync(
        process.execPath,
        ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--configLoader', 'runner'],
        {
          cwd: projectDir,
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: os.tmpdir(),
            NO_COLOR: '1',
            DATABASE_URL: postgresUrl,
          },
          encoding: 'utf8',
          timeout: 300_000,
        },
      );
      const output = `${run.stdout}\n${run.stderr}`;
      expect(run.status, output.slice(-4000)).toBe(0);
      expect(output).toMatch(/Tests\s+\d+ passed/);
      expect(output).not.toMatch(/failed/);
    },
    300_000,
  );

  itWhen(sandbox.available, SANDBOX_MISSING)(
    'the generated tests have teeth: each mutant of the schema or a handler makes them fail',
    async () => {
      const mutants: {
        name: string;
        file: string;
        from: string | RegExp;
        to: string;
        test: string;
        failing: RegExp;
      }[] = [
        {
          name: 'unique constraint dropped from the migration',
          file: 'drizzle/0000_initial.sql',
          from: /\tCONSTRAINT "uq_users_email" UNIQUE\("email"\),\n/,
          to: '',
          test: 'test/users.test.ts',
          failing: /409 when email repeats/,
        },
        {
          name: 'unique violation no longer mapped to 409',
          file: 'src/errors.ts',
          from: "db?.code === '23505'",
          to: "db?.code === 'XXXXX'",
          test: 'test/tags.test.ts',
          failing: /409 when label repeats|attaches, reads and detaches posts/,
        },
        {
          name: 'check constraint dropped from the migration',
          file: 'drizzle/0000_initial.sql',
          from: /,\n\tCONSTRAINT "ck_posts_price_min" CHECK \("price" >= 0\)/,
          to: '',
          test: 'test/posts.test.ts',
          failing: /422 when price breaks its min constraint/,
        },
      ];
      for (const m of mutants) {
        const file = path.join(projectDir, m.file);
        const original = fs.readFileSync(file, 'utf8');
        const mutated = original.replace(m.from, m.to);
        expect(mutated, `mutant "${m.name}" must change ${m.file}`).not.toBe(original);
        fs.writeFileSync(file, mutated);
        try {
          const result = await runNodeTests(projectDir, { files: [m.test] });
          expect(result.ok, `mutant "${m.name}" survived`).toBe(false);
          expect(result.counts?.testsFailed, m.name).toBeGreaterThan(0);
          expect(result.output, m.name).toMatch(m.failing);
        } finally {
          fs.writeFileSync(file, original);
        }
      }
    },
    900_000,
  );
});

/** Every model of examples/models/, validated and planned by core. */
const EXAMPLES_DIR = path.resolve(import.meta.dirname, '../../examples/models');
const EXAMPLES = fs
  .readdirSync(EXAMPLES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => {
    const validation = validateModel(JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')));
    if (!validation.valid) throw new Error(`examples/models/${file} is invalid: ${JSON.stringify(validation.errors)}`);
    return { file, plan: planModel(validation.model) };
  });

describe('fastify target: every example model passes the quality gate', () => {
  it('has the example models, and generates each one byte-identically twice', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(5);
    for (const { plan } of EXAMPLES) {
      const first = fastifyTarget.generate(plan);
      expect(fastifyTarget.generate(structuredClone(plan))).toEqual(first);
    }
  });

  EXAMPLES.forEach(({ file, plan }) => {
    itWhen(sandbox.available, SANDBOX_MISSING)(
      `examples/models/${file}: passes tsc, ESLint and its own tests, reusing the dependency cache (no download)`,
      async () => {
        const dir = write(fastifyTarget.generate(plan), file.replace(/\.json$/, ''));
        const report = await nodeGate(dir);
        expect(report.ok, explain(report)).toBe(true);
        expect(step(report, 'typecheck').counts?.typeErrors).toBe(0);
        expect(step(report, 'lint').counts?.lintProblems).toBe(0);
        expect(step(report, 'test').counts?.testsFailed).toBe(0);
        expect(step(report, 'test').counts?.testsPassed).toBeGreaterThan(50);
        // The fixture's gate ran first (and CI prefetches): every example reuses the same cache entry.
        const install = step(report, 'install');
        expect(install.counts?.downloaded).toBe(0);
        expect(install.command).toMatch(/^reuse .*cache\/backendgen\/node\/[0-9a-f]{24}$/);
        expect(fs.readlinkSync(path.join(dir, 'node_modules'))).toBe(
          path.join(install.command.slice('reuse '.length), 'node_modules'),
        );
        fs.rmSync(dir, { recursive: true, force: true });
      },
      600_000,
    );
  });
});
