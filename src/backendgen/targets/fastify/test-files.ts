import type { ColumnInfo, ProjectInfo, TableInfo } from './analyze.ts';
import { columnOf, tableOf } from './analyze.ts';
import type { PlannedRelation } from './contract.ts';
import { uniqueName } from './schema-files.ts';
import { camel, oneLine, tsString, tsValue } from './text.ts';

export const HELPERS_TS = `// Test helpers: each test file gets a fresh, migrated database: an in-memory PGlite, or, when DATABASE_URL names a
// PostgreSQL server, a temporary database on it (dropped afterwards).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { type App, buildApp } from '../src/app.ts';
import { connect } from '../src/db/client.ts';

export type Row = Record<string, unknown>;

export interface TestContext {
  app: App;
  close(): Promise<void>;
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function startApp(): Promise<TestContext> {
  const serverUrl = process.env.DATABASE_URL;
  let databaseUrl = 'memory://';
  let drop: (() => Promise<void>) | undefined;
  if (serverUrl !== undefined && /^(postgres|postgresql):\\/\\//.test(serverUrl)) {
    const name = \`test_\${randomUUID().replace(/-/g, '')}\`;
    await onServer(serverUrl, \`CREATE DATABASE "\${name}"\`);
    const url = new URL(serverUrl);
    url.pathname = \`/\${name}\`;
    databaseUrl = url.toString();
    drop = () => onServer(serverUrl, \`DROP DATABASE IF EXISTS "\${name}" WITH (FORCE)\`);
  }
  const connection = await connect(databaseUrl);
  await connection.migrate();
  const app = buildApp({ db: connection.db });
  await app.ready();
  return {
    app,
    close: async () => {
      await app.close();
      await connection.close();
      await drop?.();
    },
  };
}

export async function call(
  app: App,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: Row,
): Promise<{ status: number; body: Row }> {
  const res = await app.inject({ method, url, ...(payload === undefined ? {} : { payload }) });
  return { status: res.statusCode, body: res.body === '' ? {} : (res.json() as Row) };
}

export function items(body: Row): Row[] {
  return body.items as Row[];
}

export function ids(body: Row, key = 'id'): unknown[] {
  return items(body).map((row) => row[key]);
}

/** A value in a form that compares equal however the API spells it (datetimes as instants, JSON as values). */
export function norm(value: unknown, kind: 'datetime' | 'json' | 'plain'): unknown {
  if (value === null || value === undefined || kind === 'json') return value;
  return kind === 'datetime' ? new Date(String(value)).getTime() : JSON.stringify(value);
}
`;

function q(s: string): string {
  return tsString(s);
}

function kindOf(c: ColumnInfo): string {
  return c.col.type === 'datetime' ? `'datetime'` : c.col.type === 'json' ? `'json'` : `'plain'`;
}

function missingId(t: TableInfo): string {
  return t.pk.col.type === 'uuid' ? q('00000000-0000-0000-0000-000000000000') : '2147483647';
}

export function factoryNames(t: TableInfo): { create: string; input: string; payload: string } {
  return {
    create: `create${t.typeName}`,
    input: `${camel(t.table.name)}Input`,
    payload: `${camel(t.table.name)}Payload`,
  };
}

function linkPayloadName(join: TableInfo): string {
  return `${camel(join.table.name)}LinkPayload`;
}

function ownColumns(join: TableInfo, via: { ownColumn: string; targetColumn: string }): ColumnInfo[] {
  return join.columns.filter((c) => c.col.name !== via.ownColumn && c.col.name !== via.targetColumn);
}

export function factoriesTs(project: ProjectInfo): string {
  const samples: Record<string, Record<string, unknown[]>> = {};
  for (const t of project.tables) {
    samples[t.table.name] = {};
    for (const c of t.writable) if (!c.col.references) samples[t.table.name]![c.col.name] = c.samples;
  }
  const lines: string[] = [
    '// Valid rows for the tests: sample values satisfy every declared constraint and differ from row to row.',
    `import type { App } from '../src/app.ts';`,
    `import { call, type Row } from './helpers.ts';`,
    '',
    `const SAMPLES: Record<string, Record<string, unknown[]>> = ${tsValue(samples)};`,
    '',
    'const counters = new Map<string, number>();',
    '',
    '/** A new index per call, so every row a test creates gets different sample values. */',
    'export function nextIndex(table: string): number {',
    '  const n = counters.get(table) ?? 0;',
    '  counters.set(table, n + 1);',
    '  return n;',
    '}',
    '',
    'export function sample(table: string, column: string, n: number): unknown {',
    '  const list = SAMPLES[table]?.[column] ?? [];',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: generated or hostile text, not a template
    '  if (list.length === 0) throw new Error(`No sample value satisfies the constraints of ${table}.${column}`);',
    '  return list[n % list.length];',
    '}',
  ];
  for (const t of project.tables) {
    const names = factoryNames(t);
    const plain = t.writable.filter((c) => !c.col.references && (c.required || c.samples.length > 0));
    if (t.table.isJoinTable) {
      if (plain.length === 0) continue;
      lines.push('', `export function ${linkPayloadName(t)}(n: number): Row {`);
      lines.push(
        `  return { ${plain.map((c) => `${c.col.name}: sample(${q(t.table.name)}, ${q(c.col.name)}, n)`).join(', ')} };`,
      );
      lines.push('}');
      continue;
    }
    if (plain.length > 0) {
      lines.push('', `export function ${names.payload}(n: number): Row {`, '  return {');
      for (const c of plain) lines.push(`    ${c.col.name}: sample(${q(t.table.name)}, ${q(c.col.name)}, n),`);
      lines.push('  };', '}', '');
    } else {
      lines.push('', `export function ${names.payload}(): Row {`, '  return {};', '}', '');
    }
    lines.push(
      `/** A valid create body for ${oneLine(t.table.name)}; creates the rows its required references need. */`,
    );
    lines.push(`export async function ${names.input}(app: App, overrides: Row = {}): Promise<Row> {`);
    lines.push(`  const payload = ${names.payload}(${plain.length > 0 ? `nextIndex(${q(t.table.name)})` : ''});`);
    for (const c of t.writable) {
      const ref = c.col.references;
      if (!ref || !c.required) continue;
      const parent = tableOf(project, ref.table);
      lines.push(
        `  if (!(${q(c.col.name)} in overrides)) payload.${c.col.name} = (await ${factoryNames(parent).create}(app)).${ref.column};`,
      );
    }
    lines.push('  return { ...payload, ...overrides };', '}', '');
    lines.push(`export async function ${names.create}(app: App, overrides: Row = {}): Promise<Row> {`);
    lines.push(
      `  const res = await call(app, 'POST', ${q(`/${t.table.name}`)}, await ${names.input}(app, overrides));`,
    );
    lines.push(
      `  if (res.status !== 201) throw new Error(\`POST /${t.table.name} answered \${res.status}: \${JSON.stringify(res.body)}\`);`,
    );
    lines.push('  return res.body;', '}');
  }
  return `${lines.join('\n')}\n`;
}

/** A JSON value of the wrong type for the column (undefined when every JSON value is accepted). */
function wrongType(c: ColumnInfo): string | undefined {
  switch (c.col.type) {
    case 'integer':
    case 'bigint':
      return q('not a number');
    case 'boolean':
      return q('yes');
    case 'json':
      return undefined;
    default:
      return '12345';
  }
}

class Builder {
  readonly lines: string[] = [];
  readonly factories = new Set<string>();
  push(...l: string[]): void {
    this.lines.push(...l);
  }
  create(t: TableInfo): string {
    const n = factoryNames(t).create;
    this.factories.add(n);
    return n;
  }
  input(t: TableInfo): string {
    const n = factoryNames(t).input;
    this.factories.add(n);
    return n;
  }
}

function crudTests(b: Builder, t: TableInfo): void {
  const name = t.table.name;
  const base = `/${name}`;
  const pk = t.pk.col.name;
  const input = b.input(t);
  const create = b.create(t);
  b.push(`describe(${q(`${name}: create, read, update, delete`)}, () => {`);
  b.push(`  it('creates a row (201) and reads it back (200)', async () => {`);
  b.push(`    const input = await ${input}(ctx.app);`);
  b.push(`    const created = await call(ctx.app, 'POST', ${q(base)}, input);`);
  b.push('    expect(created.status).toBe(201);');
  for (const c of t.writable) {
    b.push(
      `    if (input.${c.col.name} !== undefined) expect(norm(created.body.${c.col.name}, ${kindOf(c)})).toEqual(norm(input.${c.col.name}, ${kindOf(c)}));`,
    );
  }
  b.push(`    const read = await call(ctx.app, 'GET', \`${base}/\${created.body.${pk}}\`);`);
  b.push('    expect(read.status).toBe(200);', '    expect(read.body).toEqual(created.body);', '  });', '');

  const optional = t.writable.filter((c) => !c.required && !c.col.references);
  if (optional.length > 0) {
    b.push(`  it('creates a row from the required fields only, applying the declared defaults', async () => {`);
    b.push(`    const input = await ${input}(ctx.app);`);
    b.push(`    for (const key of [${optional.map((c) => q(c.col.name)).join(', ')}]) delete input[key];`);
    b.push(`    const created = await call(ctx.app, 'POST', ${q(base)}, input);`);
    b.push('    expect(created.status).toBe(201);');
    for (const c of optional) {
      const d = c.col.default;
      const n = c.col.name;
      if (d === undefined || d === null) {
        b.push(`    expect(created.body.${n}).toBeNull();`);
      } else if (d === 'now' && (c.col.type === 'datetime' || c.col.type === 'date')) {
        b.push(`    expect(created.body.${n}).not.toBeNull();`);
      } else if (d === 'random' && c.col.type === 'uuid') {
        b.push(
          `    expect(created.body.${n}).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);`,
        );
      } else if (c.col.type === 'decimal') {
        b.push(`    expect(Number(created.body.${n})).toBe(Number(${tsValue(d)}));`);
      } else {
        b.push(`    expect(norm(created.body.${n}, ${kindOf(c)})).toEqual(norm(${tsValue(d)}, ${kindOf(c)}));`);
      }
    }
    b.push('  });', '');
  }

  b.push(`  it('lists rows with their total (200)', async () => {`);
  b.push(`    const row = await ${create}(ctx.app);`);
  b.push(`    const res = await call(ctx.app, 'GET', \`${base}?${pk}=\${row.${pk}}\`);`);
  b.push(
    '    expect(res.status).toBe(200);',
    `    expect(ids(res.body, ${q(pk)})).toEqual([row.${pk}]);`,
    '    expect(res.body.total).toBe(1);',
    '  });',
    '',
  );

  const updatable =
    t.writable.find((c) => !c.col.references && c.samples.length > 1) ?? t.writable.find((c) => !c.col.references);
  if (updatable) {
    const col = updatable.col.name;
    b.push(`  it('updates a row (200), 404 for a missing one, 422 for an empty change', async () => {`);
    b.push(`    const row = await ${create}(ctx.app);`);
    b.push(`    const value = sample(${q(name)}, ${q(col)}, nextIndex(${q(name)}));`);
    b.push(`    const res = await call(ctx.app, 'PATCH', \`${base}/\${row.${pk}}\`, { ${col}: value });`);
    b.push('    expect(res.status).toBe(200);');
    b.push(`    expect(norm(res.body.${col}, ${kindOf(updatable)})).toEqual(norm(value, ${kindOf(updatable)}));`);
    b.push(`    const read = await call(ctx.app, 'GET', \`${base}/\${row.${pk}}\`);`);
    b.push(`    expect(norm(read.body.${col}, ${kindOf(updatable)})).toEqual(norm(value, ${kindOf(updatable)}));`);
    b.push(
      `    expect((await call(ctx.app, 'PATCH', \`${base}/\${${missingId(t)}}\`, { ${col}: value })).status).toBe(404);`,
    );
    b.push(`    expect((await call(ctx.app, 'PATCH', \`${base}/\${row.${pk}}\`, {})).status).toBe(422);`);
    b.push('  });', '');
  }

  b.push(`  it('deletes a row (204), then 404s it', async () => {`);
  b.push(`    const row = await ${create}(ctx.app);`);
  b.push(`    expect((await call(ctx.app, 'DELETE', \`${base}/\${row.${pk}}\`)).status).toBe(204);`);
  b.push(`    expect((await call(ctx.app, 'GET', \`${base}/\${row.${pk}}\`)).status).toBe(404);`);
  b.push(`    expect((await call(ctx.app, 'DELETE', \`${base}/\${row.${pk}}\`)).status).toBe(404);`);
  b.push('  });', '');

  b.push(`  it('404 for a missing id, 422 for a malformed one', async () => {`);
  b.push(`    const missing = await call(ctx.app, 'GET', \`${base}/\${${missingId(t)}}\`);`);
  b.push('    expect(missing.status).toBe(404);', `    expect(missing.body.status).toBe(404);`);
  b.push(`    expect((await call(ctx.app, 'GET', ${q(`${base}/not-an-id`)})).status).toBe(422);`);
  b.push('  });');
  b.push('});', '');
}

function validationTests(b: Builder, project: ProjectInfo, t: TableInfo): void {
  const name = t.table.name;
  const base = `/${name}`;
  const input = b.input(t);
  const tests: string[][] = [];
  for (const u of t.table.uniques) {
    if (u.length === t.table.primaryKey.length && u.every((c) => t.table.primaryKey.includes(c))) continue;
    const create = b.create(t);
    const firstOverrides: string[] = [];
    for (const colName of u) {
      const c = columnOf(t, colName);
      if (c.col.references && !c.required) {
        const parent = tableOf(project, c.col.references.table);
        firstOverrides.push(`${colName}: (await ${b.create(parent)}(ctx.app)).${c.col.references.column}`);
      }
    }
    tests.push([
      `  it(${q(`409 when ${u.join(' + ')} repeats (${uniqueName(t, u)})`)}, async () => {`,
      `    const first = await ${create}(ctx.app${firstOverrides.length > 0 ? `, { ${firstOverrides.join(', ')} }` : ''});`,
      `    const res = await call(ctx.app, 'POST', ${q(base)}, await ${input}(ctx.app, { ${u.map((c) => `${c}: first.${c}`).join(', ')} }));`,
      '    expect(res.status).toBe(409);',
      '    expect(res.body.status).toBe(409);',
      '  });',
    ]);
  }
  for (const c of t.writable) {
    for (const v of c.violations) {
      tests.push([
        `  it(${q(`422 when ${c.col.name} breaks its ${v.constraint} constraint`)}, async () => {`,
        `    const res = await call(ctx.app, 'POST', ${q(base)}, await ${input}(ctx.app, { ${c.col.name}: ${tsValue(v.value)} }));`,
        '    expect(res.status).toBe(422);',
        '  });',
      ]);
    }
  }
  for (const c of t.writable) {
    if (!c.required) continue;
    tests.push([
      `  it(${q(`422 when the required ${c.col.name} is missing`)}, async () => {`,
      `    const input = await ${input}(ctx.app);`,
      `    delete input.${c.col.name};`,
      `    expect((await call(ctx.app, 'POST', ${q(base)}, input)).status).toBe(422);`,
      '  });',
    ]);
  }
  const typed = t.writable.find((c) => wrongType(c) !== undefined);
  if (typed) {
    tests.push([
      `  it(${q(`422 when ${typed.col.name} has the wrong type, or an unknown field is sent`)}, async () => {`,
      `    const wrong = await call(ctx.app, 'POST', ${q(base)}, await ${input}(ctx.app, { ${typed.col.name}: ${wrongType(typed)} }));`,
      '    expect(wrong.status).toBe(422);',
      `    expect(wrong.body.errors).toBeInstanceOf(Array);`,
      `    const unknown = await call(ctx.app, 'POST', ${q(base)}, await ${input}(ctx.app, { zz_not_a_column: 1 }));`,
      '    expect(unknown.status).toBe(422);',
      '  });',
    ]);
  }
  if (tests.length === 0) return;
  b.push(`describe(${q(`${name}: constraints (409, 422)`)}, () => {`);
  tests.forEach((lines, i) => {
    if (i > 0) b.push('');
    b.push(...lines);
  });
  b.push('});', '');
}

function foreignKeyTests(b: Builder, project: ProjectInfo, t: TableInfo): void {
  const fks = t.writable.filter((c) => c.col.references);
  if (fks.length === 0) return;
  const name = t.table.name;
  const base = `/${name}`;
  const pk = t.pk.col.name;
  b.push(`describe(${q(`${name}: foreign keys`)}, () => {`);
  fks.forEach((c, i) => {
    const ref = c.col.references!;
    const parent = tableOf(project, ref.table);
    const createParent = b.create(parent);
    if (i > 0) b.push('');
    b.push(`  it(${q(`422 when ${c.col.name} points at no ${ref.table} row`)}, async () => {`);
    b.push(
      `    const res = await call(ctx.app, 'POST', ${q(base)}, await ${b.input(t)}(ctx.app, { ${c.col.name}: ${missingId(parent)} }));`,
    );
    b.push('    expect(res.status).toBe(422);', '  });', '');
    const behaviour =
      ref.onDelete === 'set-null' ? 'sets it to null' : ref.onDelete === 'cascade' ? 'cascades' : 'is refused (409)';
    b.push(`  it(${q(`deleting the ${ref.table} row that ${c.col.name} references ${behaviour}`)}, async () => {`);
    b.push(`    const parent = await ${createParent}(ctx.app);`);
    b.push(`    const child = await ${b.create(t)}(ctx.app, { ${c.col.name}: parent.${ref.column} });`);
    const parentPath = `\`/${ref.table}/\${parent.${parent.pk.col.name}}\``;
    const childPath = `\`${base}/\${child.${pk}}\``;
    if (ref.onDelete === 'cascade') {
      b.push(`    expect((await call(ctx.app, 'DELETE', ${parentPath})).status).toBe(204);`);
      b.push(`    expect((await call(ctx.app, 'GET', ${childPath})).status).toBe(404);`);
    } else if (ref.onDelete === 'set-null') {
      b.push(`    expect((await call(ctx.app, 'DELETE', ${parentPath})).status).toBe(204);`);
      b.push(`    const read = await call(ctx.app, 'GET', ${childPath});`);
      b.push('    expect(read.status).toBe(200);', `    expect(read.body.${c.col.name}).toBeNull();`);
    } else {
      b.push(`    expect((await call(ctx.app, 'DELETE', ${parentPath})).status).toBe(409);`);
      b.push(`    const read = await call(ctx.app, 'GET', ${childPath});`);
      b.push(
        '    expect(read.status).toBe(200);',
        `    expect(read.body.${c.col.name}).toEqual(parent.${ref.column});`,
      );
    }
    b.push('  });');
  });
  b.push('});', '');
}

function listTests(b: Builder, project: ProjectInfo, t: TableInfo): void {
  const name = t.table.name;
  const base = `/${name}`;
  const pk = t.pk.col.name;
  const create = b.create(t);
  b.push(`describe(${q(`${name}: pagination, filtering, sorting`)}, () => {`);
  b.push(`  it('pages with limit and offset', async () => {`);
  b.push(`    for (let i = 0; i < 3; i++) await ${create}(ctx.app);`);
  b.push(`    const all = await call(ctx.app, 'GET', ${q(`${base}?limit=1`)});`);
  b.push('    const total = all.body.total as number;', '    expect(total).toBeGreaterThanOrEqual(3);');
  b.push(`    const first = await call(ctx.app, 'GET', ${q(`${base}?limit=2&offset=0`)});`);
  b.push('    expect(items(first.body)).toHaveLength(2);', '    expect(first.body.limit).toBe(2);');
  b.push(`    const second = await call(ctx.app, 'GET', ${q(`${base}?limit=2&offset=1`)});`);
  b.push(`    expect(ids(second.body, ${q(pk)})[0]).toEqual(ids(first.body, ${q(pk)})[1]);`);
  b.push(`    const last = await call(ctx.app, 'GET', \`${base}?limit=2&offset=\${total - 1}\`);`);
  b.push('    expect(items(last.body)).toHaveLength(1);');
  b.push(`    const past = await call(ctx.app, 'GET', \`${base}?offset=\${total}\`);`);
  b.push('    expect(items(past.body)).toHaveLength(0);');
  b.push(`    const defaults = await call(ctx.app, 'GET', ${q(base)});`);
  b.push(`    expect(defaults.body.limit).toBe(20);`, '    expect(defaults.body.offset).toBe(0);', '  });', '');
  b.push(`  it('422 for limit 0, limit 101, a negative offset, an unknown filter or sort column', async () => {`);
  for (const query of [
    'limit=0',
    'limit=101',
    'offset=-1',
    'zz_not_a_column=1',
    'sort=zz_not_a_column',
    'order=sideways',
  ]) {
    b.push(`    expect((await call(ctx.app, 'GET', ${q(`${base}?${query}`)})).status).toBe(422);`);
  }
  b.push('  });');

  for (const c of t.columns.filter((x) => x.filterable)) {
    const col = c.col.name;
    const overrides: string[] = [];
    if (c.col.references && !c.required) {
      const parent = tableOf(project, c.col.references.table);
      overrides.push(`${col}: (await ${b.create(parent)}(ctx.app)).${c.col.references.column}`);
    }
    const o = overrides.length > 0 ? `, { ${overrides.join(', ')} }` : '';
    b.push('', `  it(${q(`filters by ${col}`)}, async () => {`);
    b.push(`    const a = await ${create}(ctx.app${o});`, `    const b = await ${create}(ctx.app${o});`);
    b.push(
      `    const res = await call(ctx.app, 'GET', \`${base}?limit=100&${col}=\${encodeURIComponent(String(a.${col}))}\`);`,
    );
    b.push('    expect(res.status).toBe(200);', `    expect(ids(res.body, ${q(pk)})).toContain(a.${pk});`);
    b.push(
      `    for (const row of items(res.body)) expect(norm(row.${col}, ${kindOf(c)})).toEqual(norm(a.${col}, ${kindOf(c)}));`,
    );
    b.push(
      `    if (norm(a.${col}, ${kindOf(c)}) !== norm(b.${col}, ${kindOf(c)})) expect(ids(res.body, ${q(pk)})).not.toContain(b.${pk});`,
    );
    b.push('  });');
  }

  const sortable = t.columns.filter(
    (c) =>
      c.sortable &&
      (c.col.primaryKey || (c.col.references ? c.required : c.samples.length >= 3)) &&
      c.col.type !== 'boolean',
  );
  for (const c of sortable.slice(0, 4)) {
    const col = c.col.name;
    const numeric = ['integer', 'bigint', 'decimal', 'date', 'datetime'].includes(c.col.type);
    b.push('', `  it(${q(`sorts by ${col} ascending and descending`)}, async () => {`);
    b.push(
      `    const mine = [await ${create}(ctx.app), await ${create}(ctx.app), await ${create}(ctx.app)].map((row) => row.${pk});`,
    );
    b.push(`    const up = await call(ctx.app, 'GET', ${q(`${base}?limit=100&sort=${col}&order=asc`)});`);
    b.push(`    const down = await call(ctx.app, 'GET', ${q(`${base}?limit=100&sort=${col}&order=desc`)});`);
    b.push(`    const upIds = ids(up.body, ${q(pk)}).filter((id) => mine.includes(id));`);
    b.push(`    const downIds = ids(down.body, ${q(pk)}).filter((id) => mine.includes(id));`);
    b.push('    expect(upIds).toHaveLength(3);', '    expect(downIds).toEqual([...upIds].reverse());');
    if (numeric) {
      const conv =
        c.col.type === 'date' || c.col.type === 'datetime' ? `Date.parse(String(row.${col}))` : `Number(row.${col})`;
      b.push(`    const values = items(up.body).filter((row) => row.${col} !== null).map((row) => ${conv});`);
      b.push('    expect(values).toEqual([...values].sort((x, y) => x - y));');
    }
    b.push('  });');
  }
  b.push('});', '');
}

function relationTests(b: Builder, project: ProjectInfo, t: TableInfo): void {
  if (t.relations.length === 0) return;
  const name = t.table.name;
  const base = `/${name}`;
  const pk = t.pk.col.name;
  b.push(`describe(${q(`${name}: relationships`)}, () => {`);
  t.relations.forEach((rel: PlannedRelation, i) => {
    if (i > 0) b.push('');
    const target = tableOf(project, rel.target);
    const tpk = target.pk.col.name;
    const via = rel.via;
    if (via.kind === 'fk-here') {
      const fk = columnOf(t, via.column);
      const refCol = fk.col.references?.column ?? tpk;
      b.push(
        `  it(${q(`embeds ${rel.field} (${target.table.name} through ${via.column}) with include=${rel.field}`)}, async () => {`,
      );
      b.push(`    const parent = await ${b.create(target)}(ctx.app);`);
      b.push(`    const row = await ${b.create(t)}(ctx.app, { ${via.column}: parent.${refCol} });`);
      b.push(`    const res = await call(ctx.app, 'GET', \`${base}/\${row.${pk}}?include=${rel.field}\`);`);
      b.push(
        '    expect(res.status).toBe(200);',
        `    expect((res.body.${rel.field} as Row).${refCol}).toEqual(parent.${refCol});`,
      );
      if (fk.col.nullable) {
        b.push(`    const orphan = await ${b.create(t)}(ctx.app, { ${via.column}: null });`);
        b.push(`    const none = await call(ctx.app, 'GET', \`${base}/\${orphan.${pk}}?include=${rel.field}\`);`);
        b.push(`    expect(none.body.${rel.field}).toBeNull();`);
      }
      b.push(
        `    expect((await call(ctx.app, 'GET', \`${base}/\${row.${pk}}?include=zz_unknown\`)).status).toBe(422);`,
      );
      b.push('  });');
    } else if (via.kind === 'fk-there' && rel.cardinality === 'one') {
      b.push(
        `  it(${q(`embeds ${rel.field} (the ${target.table.name} row whose ${via.column} points here) with include=${rel.field}`)}, async () => {`,
      );
      b.push(`    const row = await ${b.create(t)}(ctx.app);`);
      b.push(`    const none = await call(ctx.app, 'GET', \`${base}/\${row.${pk}}?include=${rel.field}\`);`);
      b.push('    expect(none.status).toBe(200);', `    expect(none.body.${rel.field}).toBeNull();`);
      const refCol = columnOf(target, via.column).col.references?.column ?? pk;
      b.push(`    const related = await ${b.create(target)}(ctx.app, { ${via.column}: row.${refCol} });`);
      b.push(`    const res = await call(ctx.app, 'GET', \`${base}/\${row.${pk}}?include=${rel.field}\`);`);
      b.push(`    expect((res.body.${rel.field} as Row).${tpk}).toEqual(related.${tpk});`);
      b.push('  });');
    } else if (via.kind === 'fk-there') {
      const refCol = columnOf(target, via.column).col.references?.column ?? pk;
      b.push(
        `  it(${q(`reads ${rel.field} (${target.table.name} rows whose ${via.column} points here), embedded and as a collection`)}, async () => {`,
      );
      b.push(`    const row = await ${b.create(t)}(ctx.app);`, `    const other = await ${b.create(t)}(ctx.app);`);
      b.push(`    const a = await ${b.create(target)}(ctx.app, { ${via.column}: row.${refCol} });`);
      b.push(`    const b = await ${b.create(target)}(ctx.app, { ${via.column}: row.${refCol} });`);
      b.push(`    await ${b.create(target)}(ctx.app, { ${via.column}: other.${refCol} });`);
      b.push(`    const res = await call(ctx.app, 'GET', \`${base}/\${row.${pk}}/${rel.field}\`);`);
      b.push('    expect(res.status).toBe(200);');
      b.push(`    expect(ids(res.body, ${q(tpk)})).toHaveLength(2);`);
      b.push(`    expect(ids(res.body, ${q(tpk)})).toEqual(expect.arrayContaining([a.${tpk}, b.${tpk}]));`);
      b.push(`    const embedded = await call(ctx.app, 'GET', \`${base}/\${row.${pk}}?include=${rel.field}\`);`);
      b.push(
        `    expect((embedded.body.${rel.field} as Row[]).map((r) => r.${tpk})).toEqual(ids(res.body, ${q(tpk)}));`,
      );
      b.push(
        `    expect((await call(ctx.app, 'GET', \`${base}/\${${missingId(t)}}/${rel.field}\`)).status).toBe(404);`,
      );
      b.push('  });');
    } else {
      const join = tableOf(project, via.joinTable);
      const own = ownColumns(join, via);
      const targetRef = columnOf(join, via.targetColumn).col.references;
      const link = own.length > 0 ? `, ${linkPayloadName(join)}(nextIndex(${q(join.table.name)}))` : '';
      if (own.length > 0) b.factories.add(linkPayloadName(join));
      if (own.length > 0) b.factories.add('nextIndex');
      const path = `\`${base}/\${row.${pk}}/${rel.field}/\${target.${tpk}}\``;
      b.push(
        `  it(${q(`attaches, reads and detaches ${rel.field} (${target.table.name} through ${join.table.name})`)}, async () => {`,
      );
      b.push(
        `    const row = await ${b.create(t)}(ctx.app);`,
        `    const target = await ${b.create(target)}(ctx.app);`,
      );
      if (own.length > 0) b.push(`    const body = ${linkPayloadName(join)}(nextIndex(${q(join.table.name)}));`);
      b.push(`    const attached = await call(ctx.app, 'POST', ${path}${own.length > 0 ? ', body' : ''});`);
      b.push('    expect(attached.status).toBe(201);');
      b.push(`    expect((await call(ctx.app, 'POST', ${path}${own.length > 0 ? ', body' : ''})).status).toBe(409);`);
      b.push(`    const read = await call(ctx.app, 'GET', \`${base}/\${row.${pk}}/${rel.field}\`);`);
      b.push('    expect(read.status).toBe(200);', `    expect(ids(read.body, ${q(tpk)})).toEqual([target.${tpk}]);`);
      for (const c of own) {
        b.push(
          `    expect(norm((items(read.body)[0]?.link as Row).${c.col.name}, ${kindOf(c)})).toEqual(norm(body.${c.col.name}, ${kindOf(c)}));`,
        );
      }
      b.push(`    const embedded = await call(ctx.app, 'GET', \`${base}/\${row.${pk}}?include=${rel.field}\`);`);
      b.push(`    expect((embedded.body.${rel.field} as Row[]).map((r) => r.${tpk})).toEqual([target.${tpk}]);`);
      b.push(
        `    const inverse = await call(ctx.app, 'GET', \`/${target.table.name}/\${target.${tpk}}/${rel.inverse}\`);`,
      );
      b.push(`    expect(ids(inverse.body, ${q(pk)})).toContain(row.${pk});`);
      b.push(`    expect((await call(ctx.app, 'DELETE', ${path})).status).toBe(204);`);
      b.push(`    expect((await call(ctx.app, 'DELETE', ${path})).status).toBe(404);`);
      b.push(
        `    expect(ids((await call(ctx.app, 'GET', \`${base}/\${row.${pk}}/${rel.field}\`)).body, ${q(tpk)})).toEqual([]);`,
      );
      b.push('  });', '');
      b.push(
        `  it(${q(`404 when attaching ${rel.field} to a missing row or a missing ${target.table.name} row`)}, async () => {`,
      );
      b.push(
        `    const row = await ${b.create(t)}(ctx.app);`,
        `    const target = await ${b.create(target)}(ctx.app);`,
      );
      b.push(
        `    expect((await call(ctx.app, 'POST', \`${base}/\${row.${pk}}/${rel.field}/\${${missingId(target)}}\`${link})).status).toBe(404);`,
      );
      b.push(
        `    expect((await call(ctx.app, 'POST', \`${base}/\${${missingId(t)}}/${rel.field}/\${target.${tpk}}\`${link})).status).toBe(404);`,
      );
      b.push('  });', '');
      const onDelete = targetRef?.onDelete ?? 'cascade';
      b.push(
        `  it(${q(`deleting a linked ${target.table.name} row ${onDelete === 'restrict' ? 'is refused (409)' : 'removes the link'}`)}, async () => {`,
      );
      b.push(
        `    const row = await ${b.create(t)}(ctx.app);`,
        `    const target = await ${b.create(target)}(ctx.app);`,
      );
      b.push(`    expect((await call(ctx.app, 'POST', ${path}${link})).status).toBe(201);`);
      if (onDelete === 'restrict') {
        b.push(
          `    expect((await call(ctx.app, 'DELETE', \`/${target.table.name}/\${target.${tpk}}\`)).status).toBe(409);`,
        );
      } else {
        b.push(
          `    expect((await call(ctx.app, 'DELETE', \`/${target.table.name}/\${target.${tpk}}\`)).status).toBe(204);`,
        );
        b.push(
          `    expect(ids((await call(ctx.app, 'GET', \`${base}/\${row.${pk}}/${rel.field}\`)).body, ${q(tpk)})).toEqual([]);`,
        );
      }
      b.push('  });');
    }
  });
  b.push('});', '');
}

export function tableTestTs(project: ProjectInfo, t: TableInfo): string {
  const b = new Builder();
  crudTests(b, t);
  validationTests(b, project, t);
  foreignKeyTests(b, project, t);
  listTests(b, project, t);
  relationTests(b, project, t);
  const body = b.lines.join('\n');
  const factoryImports = [...b.factories];
  for (const fn of ['nextIndex', 'sample']) if (body.includes(`${fn}(`)) factoryImports.push(fn);
  const helperImports = ['call', 'ids', 'items', 'norm', 'startApp', 'type Row', 'type TestContext'].filter((h) => {
    const bare = h.replace(/^type /, '');
    return bare === 'startApp' || bare === 'TestContext' || new RegExp(`\\b${bare}\\b`).test(body);
  });
  const sortKey = (s: string) => s.replace(/^type /, '');
  const uniq = [...new Set(factoryImports)].sort((x, y) => (sortKey(x) < sortKey(y) ? -1 : 1));
  return [
    `// Tests of the ${oneLine(t.table.name)} routes against a real PostgreSQL (PGlite, or DATABASE_URL).`,
    `import { afterAll, beforeAll, describe, expect, it } from 'vitest';`,
    `import { ${uniq.join(', ')} } from './factories.ts';`,
    `import { ${helperImports.sort((x, y) => (sortKey(x) < sortKey(y) ? -1 : 1)).join(', ')} } from './helpers.ts';`,
    '',
    'let ctx: TestContext;',
    '',
    'beforeAll(async () => {',
    '  ctx = await startApp();',
    '});',
    '',
    'afterAll(async () => {',
    '  await ctx.close();',
    '});',
    '',
    body,
  ].join('\n');
}
