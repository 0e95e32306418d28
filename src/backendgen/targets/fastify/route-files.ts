import type { ColumnInfo, ProjectInfo, TableInfo } from './analyze.ts';
import { columnOf, tableOf } from './analyze.ts';
import type { PlannedRelation } from './contract.ts';
import { camel, oneLine, tsString } from './text.ts';

/** Default and largest page size of list endpoints and of collections read through a relationship. */
export const PAGE = { default: 20, max: 100 };

export function idSchema(pk: ColumnInfo): string {
  return pk.col.type === 'uuid'
    ? `Type.String({ format: 'uuid' })`
    : 'Type.Integer({ minimum: 1, maximum: 2147483647 })';
}

export function routeFile(table: TableInfo): string {
  return `src/routes/${table.table.name}.ts`;
}

export function pluginName(table: TableInfo): string {
  return `${camel(table.table.name)}Routes`;
}

function lit(values: string[]): string {
  return `Type.Union([${values.map((v) => `Type.Literal(${tsString(v)})`).join(', ')}])`;
}

function bodyProperty(c: ColumnInfo, optional: boolean): string {
  const t = c.col.nullable ? `Type.Union([${c.typebox}, Type.Null()])` : c.typebox;
  return `    ${c.col.name}: ${optional ? `Type.Optional(${t})` : t},`;
}

/**
 * Request bodies carry datetimes as ISO strings; Drizzle's timestamp columns take Date objects. Required datetimes
 * (in a create body) are converted directly, optional ones only when present.
 */
function datetimeConversion(
  columns: ColumnInfo[],
  fn: string,
  input: string,
  output: string,
  partial: boolean,
): string[] {
  const dates = columns.filter((c) => c.col.type === 'datetime');
  if (dates.length === 0) return [`function ${fn}(body: ${input}): ${output} {`, '  return body;', '}'];
  const lines = [`function ${fn}(body: ${input}): ${output} {`];
  lines.push(`  const { ${dates.map((c) => c.col.name).join(', ')}, ...rest } = body;`);
  lines.push('  return {', '    ...rest,');
  for (const c of dates) {
    const n = c.col.name;
    const convert = c.col.nullable ? `${n} === null ? null : new Date(${n})` : `new Date(${n})`;
    if (c.required && !partial) lines.push(`    ${n}: ${convert},`);
    else lines.push(`    ...(${n} === undefined ? {} : { ${n}: ${convert} }),`);
  }
  lines.push('  };', '}');
  return lines;
}

interface Imports {
  tables: Set<string>;
  orm: Set<string>;
  rows: Set<string>;
}

/** Code of the function reading one relation of a row, and whether it reads a collection (paged). */
function relationReader(
  project: ProjectInfo,
  table: TableInfo,
  rel: PlannedRelation,
  imports: Imports,
): { fn: string; lines: string[] } {
  const target = tableOf(project, rel.target);
  imports.tables.add(target.varName);
  const fn = `read${camel(`_${rel.field}`)}`;
  const idType = `${table.typeName}Row['${table.pk.col.name}']`;
  const lines: string[] = [];
  const via = rel.via;
  if (via.kind === 'fk-here') {
    const col = columnOf(table, via.column);
    const ref = col.col.references;
    const targetCol = ref?.column ?? target.pk.col.name;
    imports.orm.add('eq');
    imports.rows.add(target.typeName);
    lines.push(
      `async function ${fn}(db: Database, row: ${table.typeName}Row): Promise<${target.typeName}Row | null> {`,
    );
    if (col.col.nullable) lines.push(`  if (row.${via.column} === null) return null;`);
    lines.push(
      `  const [related] = await db.select().from(${target.varName}).where(eq(${target.varName}.${targetCol}, row.${via.column})).limit(1);`,
      '  return related ?? null;',
      '}',
    );
  } else if (via.kind === 'fk-there' && rel.cardinality === 'one') {
    imports.orm.add('eq');
    imports.rows.add(target.typeName);
    lines.push(
      `async function ${fn}(db: Database, id: ${idType}): Promise<${target.typeName}Row | null> {`,
      `  const [related] = await db.select().from(${target.varName}).where(eq(${target.varName}.${via.column}, id)).limit(1);`,
      '  return related ?? null;',
      '}',
    );
  } else if (via.kind === 'fk-there') {
    imports.orm.add('eq');
    imports.rows.add(target.typeName);
    imports.orm.add('asc');
    lines.push(
      `async function ${fn}(db: Database, id: ${idType}, limit: number, offset: number): Promise<${target.typeName}Row[]> {`,
      `  return db`,
      '    .select()',
      `    .from(${target.varName})`,
      `    .where(eq(${target.varName}.${via.column}, id))`,
      `    .orderBy(asc(${target.varName}.${target.pk.col.name}))`,
      '    .limit(limit)',
      '    .offset(offset);',
      '}',
    );
  } else {
    const join = tableOf(project, via.joinTable);
    imports.tables.add(join.varName);
    imports.orm.add('eq');
    imports.orm.add('asc');
    const own = join.columns.filter((c) => c.col.name !== via.ownColumn && c.col.name !== via.targetColumn);
    const targetRef = columnOf(join, via.targetColumn).col.references?.column ?? target.pk.col.name;
    const select =
      own.length > 0
        ? `{ item: ${target.varName}, link: { ${own.map((c) => `${c.col.name}: ${join.varName}.${c.col.name}`).join(', ')} } }`
        : `{ item: ${target.varName} }`;
    lines.push(
      `async function ${fn}(db: Database, id: ${idType}, limit: number, offset: number) {`,
      `  const rows = await db`,
      `    .select(${select})`,
      `    .from(${join.varName})`,
      `    .innerJoin(${target.varName}, eq(${join.varName}.${via.targetColumn}, ${target.varName}.${targetRef}))`,
      `    .where(eq(${join.varName}.${via.ownColumn}, id))`,
      `    .orderBy(asc(${target.varName}.${target.pk.col.name}))`,
      '    .limit(limit)',
      '    .offset(offset);',
      own.length > 0 ? '  return rows.map((r) => ({ ...r.item, link: r.link }));' : '  return rows.map((r) => r.item);',
      '}',
    );
  }
  return { fn, lines };
}

export function routesTs(project: ProjectInfo, table: TableInfo): string {
  const t = table.table;
  const v = table.varName;
  const pk = table.pk.col.name;
  const T = table.typeName;
  const imports: Imports = {
    tables: new Set([v]),
    orm: new Set(['and', 'asc', 'count', 'desc', 'eq']),
    rows: new Set([T]),
  };
  const body: string[] = [];

  // Schemas
  body.push(`const Id = ${idSchema(table.pk)};`, `const IdParams = Type.Object({ id: Id });`, '');
  body.push(`export const ${T}Create = Type.Object(`, '  {');
  for (const c of table.writable) body.push(bodyProperty(c, !c.required));
  body.push('  },', '  { additionalProperties: false },', ');');
  body.push(`export const ${T}Update = Type.Partial(${T}Create, { additionalProperties: false, minProperties: 1 });`);
  body.push(
    `export type ${T}CreateBody = Static<typeof ${T}Create>;`,
    `export type ${T}UpdateBody = Static<typeof ${T}Update>;`,
    '',
  );
  const sortable = table.columns.filter((c) => c.sortable).map((c) => c.col.name);
  const filterable = table.columns.filter((c) => c.filterable);
  body.push(`const sortColumns = {`);
  for (const s of sortable) body.push(`  ${s}: ${v}.${s},`);
  body.push('} as const;', '');
  body.push('const ListQuery = Type.Object(', '  {');
  body.push(`    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: ${PAGE.max}, default: ${PAGE.default} })),`);
  body.push(`    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647, default: 0 })),`);
  body.push(`    sort: Type.Optional(${lit(sortable)}),`);
  body.push(`    order: Type.Optional(${lit(['asc', 'desc'])}),`);
  for (const c of filterable) body.push(`    ${c.col.name}: Type.Optional(${c.queryTypebox}),`);
  body.push('  },', '  { additionalProperties: false },', ');', '');
  if (table.relations.some((r) => r.cardinality === 'many'))
    body.push(
      'const PageQuery = Type.Object(',
      '  {',
      `    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: ${PAGE.max}, default: ${PAGE.default} })),`,
      `    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647, default: 0 })),`,
      '  },',
      '  { additionalProperties: false },',
      ');',
      '',
    );
  const fields = table.relations.map((r) => r.field);
  if (fields.length > 0) {
    const alt = fields.join('|');
    body.push(
      `/** Related objects to embed in a read: a comma-separated list of ${fields.join(', ')}. */`,
      `const ReadQuery = Type.Object(`,
      `  { include: Type.Optional(Type.String({ pattern: ${tsString(`^(${alt})(,(${alt}))*$`)} })) },`,
      '  { additionalProperties: false },',
      ');',
      '',
    );
  } else {
    body.push('const ReadQuery = Type.Object({}, { additionalProperties: false });', '');
  }
  body.push(
    ...datetimeConversion(table.writable, 'createValues', `${T}CreateBody`, `typeof ${v}.$inferInsert`, false),
    '',
  );
  body.push(
    ...datetimeConversion(table.writable, 'updateValues', `${T}UpdateBody`, `Partial<typeof ${v}.$inferInsert>`, true),
    '',
  );
  body.push(
    `async function find${T}(db: Database, id: ${T}Row['${pk}']): Promise<${T}Row | undefined> {`,
    `  const [row] = await db.select().from(${v}).where(eq(${v}.${pk}, id)).limit(1);`,
    '  return row;',
    '}',
    '',
  );

  const readers = new Map<string, { fn: string; rel: PlannedRelation }>();
  for (const rel of table.relations) {
    const r = relationReader(project, table, rel, imports);
    readers.set(rel.field, { fn: r.fn, rel });
    body.push(...r.lines, '');
  }

  // Plugin
  const routes: string[] = [];
  const base = `/${t.name}`;
  routes.push(
    `  app.post(${tsString(base)}, { schema: { body: ${T}Create } }, async (request, reply) => {`,
    `    const [row] = await db.insert(${v}).values(createValues(request.body)).returning();`,
    '    return reply.code(201).send(row);',
    '  });',
    '',
    `  app.get(${tsString(base)}, { schema: { querystring: ListQuery } }, async (request) => {`,
    '    const query = request.query;',
    '    const filters: SQL[] = [];',
  );
  for (const c of filterable) {
    const n = c.col.name;
    const value = c.col.type === 'datetime' ? `new Date(query.${n})` : `query.${n}`;
    routes.push(`    if (query.${n} !== undefined) filters.push(eq(${v}.${n}, ${value}));`);
  }
  routes.push(
    '    const where = filters.length > 0 ? and(...filters) : undefined;',
    `    const limit = query.limit ?? ${PAGE.default};`,
    '    const offset = query.offset ?? 0;',
    `    const column = sortColumns[query.sort ?? ${tsString(pk)}];`,
    '    const items = await db',
    '      .select()',
    `      .from(${v})`,
    '      .where(where)',
    `      .orderBy(query.order === 'desc' ? desc(column) : asc(column), asc(${v}.${pk}))`,
    '      .limit(limit)',
    '      .offset(offset);',
    `    const [total] = await db.select({ value: count() }).from(${v}).where(where);`,
    '    return { items, total: total?.value ?? 0, limit, offset };',
    '  });',
    '',
    `  app.get(${tsString(`${base}/:id`)}, { schema: { params: IdParams, querystring: ReadQuery } }, async (request) => {`,
    `    const row = await find${T}(db, request.params.id);`,
    `    if (!row) throw notFound(${tsString(t.name)}, request.params.id);`,
  );
  if (readers.size > 0) {
    routes.push(
      `    const include = new Set((request.query.include ?? '').split(',').filter((field) => field !== ''));`,
      '    const result: Record<string, unknown> = { ...row };',
    );
    for (const [field, { fn, rel }] of readers) {
      const arg = rel.via.kind === 'fk-here' ? 'row' : `row.${pk}`;
      const extra = rel.cardinality === 'many' ? `, ${PAGE.max}, 0` : '';
      routes.push(`    if (include.has(${tsString(field)})) result.${field} = await ${fn}(db, ${arg}${extra});`);
    }
    routes.push('    return result;');
  } else {
    routes.push('    return row;');
  }
  routes.push(
    '  });',
    '',
    `  app.patch(${tsString(`${base}/:id`)}, { schema: { params: IdParams, body: ${T}Update } }, async (request) => {`,
    '    const [row] = await db',
    `      .update(${v})`,
    '      .set(updateValues(request.body))',
    `      .where(eq(${v}.${pk}, request.params.id))`,
    '      .returning();',
    `    if (!row) throw notFound(${tsString(t.name)}, request.params.id);`,
    '    return row;',
    '  });',
    '',
    `  app.delete(${tsString(`${base}/:id`)}, { schema: { params: IdParams } }, async (request, reply) => {`,
    `    const deleted = await db.delete(${v}).where(eq(${v}.${pk}, request.params.id)).returning({ ${pk}: ${v}.${pk} });`,
    `    if (deleted.length === 0) throw notFound(${tsString(t.name)}, request.params.id);`,
    '    return reply.code(204).send();',
    '  });',
  );

  for (const [field, { fn, rel }] of readers) {
    if (rel.cardinality !== 'many') continue;
    routes.push(
      '',
      `  app.get(${tsString(`${base}/:id/${field}`)}, { schema: { params: IdParams, querystring: PageQuery } }, async (request) => {`,
      `    const row = await find${T}(db, request.params.id);`,
      `    if (!row) throw notFound(${tsString(t.name)}, request.params.id);`,
      `    const limit = request.query.limit ?? ${PAGE.default};`,
      '    const offset = request.query.offset ?? 0;',
      `    return { items: await ${fn}(db, row.${pk}, limit, offset), limit, offset };`,
      '  });',
    );
    if (rel.via.kind !== 'join') continue;
    const via = rel.via;
    const target = tableOf(project, rel.target);
    const join = tableOf(project, via.joinTable);
    const own = join.columns.filter((c) => c.col.name !== via.ownColumn && c.col.name !== via.targetColumn);
    const linkName = `${T}${camel(`_${field}`)}Link`;
    const linkParams = `Type.Object({ id: Id, targetId: ${idSchema(target.pk)} })`;
    body.push(`const ${linkName}Params = ${linkParams};`);
    if (own.length > 0) {
      body.push(`const ${linkName}Body = Type.Object(`, '  {');
      for (const c of own) body.push(bodyProperty(c, !c.required));
      body.push('  },', '  { additionalProperties: false },', ');', '');
      const omit = `Omit<typeof ${join.varName}.$inferInsert, '${via.ownColumn}' | '${via.targetColumn}'>`;
      body.push(
        ...datetimeConversion(
          own,
          `${camel(linkName.charAt(0).toLowerCase() + linkName.slice(1))}Values`,
          `Static<typeof ${linkName}Body>`,
          omit,
          false,
        ),
        '',
      );
    }
    const path = `${base}/:id/${field}/:targetId`;
    const schema =
      own.length > 0 ? `{ params: ${linkName}Params, body: ${linkName}Body }` : `{ params: ${linkName}Params }`;
    const values =
      own.length > 0 ? `...${camel(linkName.charAt(0).toLowerCase() + linkName.slice(1))}Values(request.body), ` : '';
    routes.push(
      '',
      `  // Attach: links one ${oneLine(target.table.name)} row; 409 when the link exists already.`,
      `  app.post(${tsString(path)}, { schema: ${schema} }, async (request, reply) => {`,
      '    const { id, targetId } = request.params;',
      `    if (!(await find${T}(db, id))) throw notFound(${tsString(t.name)}, id);`,
      `    const [target] = await db.select().from(${target.varName}).where(eq(${target.varName}.${target.pk.col.name}, targetId)).limit(1);`,
      `    if (!target) throw notFound(${tsString(target.table.name)}, targetId);`,
      '    const [link] = await db',
      `      .insert(${join.varName})`,
      `      .values({ ${values}${via.ownColumn}: id, ${via.targetColumn}: targetId })`,
      '      .returning();',
      '    return reply.code(201).send(link);',
      '  });',
      '',
      `  // Detach: removes the link (not the ${oneLine(target.table.name)} row); 404 when there is no such link.`,
      `  app.delete(${tsString(path)}, { schema: { params: ${linkName}Params } }, async (request, reply) => {`,
      '    const { id, targetId } = request.params;',
      '    const deleted = await db',
      `      .delete(${join.varName})`,
      `      .where(and(eq(${join.varName}.${via.ownColumn}, id), eq(${join.varName}.${via.targetColumn}, targetId)))`,
      `      .returning({ ${via.ownColumn}: ${join.varName}.${via.ownColumn} });`,
      `    if (deleted.length === 0) throw new HttpProblem(404, 'Not Found', \`No link from ${oneLine(t.name)} \${id} to ${oneLine(target.table.name)} \${targetId} exists.\`);`,
      '    return reply.code(204).send();',
      '  });',
    );
  }

  const usesHttpProblem = routes.some((l) => l.includes('new HttpProblem'));
  const head = [
    `// REST routes of the ${oneLine(t.name)} table, generated by Orbit: create, list (pagination, filters, sorting),`,
    '// read (with related objects), update, delete, and the relationships of a row.',
    `import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';`,
    `import { type Static, Type } from '@sinclair/typebox';`,
    `import { ${[...imports.orm].sort().join(', ')}, type SQL } from 'drizzle-orm';`,
    `import type { Database } from '../db/client.ts';`,
    `import { ${[...[...imports.tables], ...[...imports.rows].map((r) => `type ${r}Row`)].sort(sortImports).join(', ')} } from '../db/schema.ts';`,
    `import { ${usesHttpProblem ? 'HttpProblem, ' : ''}notFound } from '../errors.ts';`,
    '',
  ];
  return [
    ...head,
    ...body,
    `export const ${pluginName(table)}: FastifyPluginAsyncTypebox<{ db: Database }> = async (app, { db }) => {`,
    ...routes,
    '};',
    '',
  ].join('\n');
}

function sortImports(a: string, b: string): number {
  const key = (s: string) => s.replace(/^type /, '');
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}
