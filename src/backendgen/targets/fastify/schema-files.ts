import type { ColumnInfo, ProjectInfo, TableInfo } from './analyze.ts';
import { tableOf } from './analyze.ts';
import type { PlannedColumn } from './contract.ts';
import { oneLine, pgName, sqlIdent, sqlString, tsString, tsValue } from './text.ts';

const BREAK = '\n--> statement-breakpoint\n';

function finite(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}

function onDeleteSql(value: 'cascade' | 'set-null' | 'restrict'): string {
  return value === 'set-null' ? 'set null' : value;
}

/** Names of the declared value checks (enforced by the database as CHECK constraints, and by the API schemas). */
export function checksOf(table: TableInfo): { name: string; column: string; kind: string; sql: string }[] {
  const out: { name: string; column: string; kind: string; sql: string }[] = [];
  for (const { col } of table.columns) {
    const check = col.check;
    if (!check) continue;
    const c = sqlIdent(col.name);
    const add = (kind: string, expr: string) =>
      out.push({
        name: pgName(`ck_${table.table.name}_${col.name}_${kind.toLowerCase()}`),
        column: col.name,
        kind,
        sql: expr,
      });
    const numeric = col.type === 'integer' || col.type === 'bigint' || col.type === 'decimal';
    const textual = col.type === 'string' || col.type === 'text';
    if (numeric && finite(check.min) !== undefined) add('min', `${c} >= ${finite(check.min)}`);
    if (numeric && finite(check.max) !== undefined) add('max', `${c} <= ${finite(check.max)}`);
    if (textual && finite(check.minLength) !== undefined)
      add('minLength', `char_length(${c}) >= ${finite(check.minLength)}`);
    if (textual && finite(check.maxLength) !== undefined)
      add('maxLength', `char_length(${c}) <= ${finite(check.maxLength)}`);
  }
  return out;
}

export function uniqueName(table: TableInfo, columns: string[]): string {
  return pgName(`uq_${table.table.name}_${columns.join('_')}`);
}

function fkName(table: TableInfo, col: PlannedColumn): string {
  return pgName(`${table.table.name}_${col.name}_${col.references!.table}_${col.references!.column}_fk`);
}

function pkName(table: TableInfo): string {
  return pgName(`${table.table.name}_${table.table.primaryKey.join('_')}_pk`);
}

function sqlType(info: ColumnInfo): string {
  const col = info.col;
  switch (col.type) {
    case 'string':
      return `varchar(${col.length ?? 255})`;
    case 'text':
      return 'text';
    case 'integer':
      return 'integer';
    case 'bigint':
      return 'bigint';
    case 'decimal':
      return `numeric(${col.precision ?? 10}, ${col.scale ?? 0})`;
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'datetime':
      return 'timestamp with time zone';
    case 'uuid':
      return 'uuid';
    case 'json':
      return 'jsonb';
    case 'enum':
      return `"public".${sqlIdent(info.enumName!.sql)}`;
  }
}

function sqlDefault(col: PlannedColumn): string | undefined {
  const v = col.default;
  if (v === undefined || v === null) return undefined;
  switch (col.type) {
    case 'integer':
    case 'bigint':
      return finite(v) ?? sqlString(String(v));
    case 'decimal':
      return finite(v) ?? (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? v : sqlString(String(v)));
    case 'boolean':
      return v === true ? 'true' : 'false';
    case 'date':
      return v === 'now' ? 'CURRENT_DATE' : sqlString(String(v));
    case 'datetime':
      return v === 'now' ? 'now()' : sqlString(String(v));
    case 'uuid':
      return v === 'random' ? 'gen_random_uuid()' : sqlString(String(v));
    case 'json':
      return `${sqlString(JSON.stringify(v))}::jsonb`;
    default:
      return sqlString(String(v));
  }
}

function sqlColumn(table: TableInfo, info: ColumnInfo): string {
  const col = info.col;
  let out = `\t${sqlIdent(col.name)} ${sqlType(info)}`;
  const singlePk = col.primaryKey && table.table.primaryKey.length === 1;
  if (singlePk) out += ' PRIMARY KEY';
  if (info.generated && col.type === 'integer') out += ' GENERATED ALWAYS AS IDENTITY';
  if (info.generated && col.type === 'uuid') out += ' DEFAULT gen_random_uuid()';
  const def = info.generated ? undefined : sqlDefault(col);
  if (def !== undefined) out += ` DEFAULT ${def}`;
  if (!col.nullable && !singlePk) out += ' NOT NULL';
  return out;
}

/** The initial migration in drizzle-kit's layout: one SQL file whose statements are split by its breakpoint marker. */
export function migrationSql(project: ProjectInfo): string {
  const statements: string[] = [];
  for (const t of project.tables) {
    for (const c of t.columns) {
      if (c.enumName) {
        statements.push(
          `CREATE TYPE "public".${sqlIdent(c.enumName.sql)} AS ENUM(${(c.col.values ?? []).map(sqlString).join(', ')});`,
        );
      }
    }
  }
  for (const t of project.tables) {
    const lines = t.columns.map((c) => sqlColumn(t, c));
    if (t.table.primaryKey.length > 1) {
      lines.push(`\tCONSTRAINT ${sqlIdent(pkName(t))} PRIMARY KEY(${t.table.primaryKey.map(sqlIdent).join(',')})`);
    }
    for (const u of t.table.uniques) {
      lines.push(`\tCONSTRAINT ${sqlIdent(uniqueName(t, u))} UNIQUE(${u.map(sqlIdent).join(',')})`);
    }
    for (const ck of checksOf(t)) lines.push(`\tCONSTRAINT ${sqlIdent(ck.name)} CHECK (${ck.sql})`);
    statements.push(`CREATE TABLE ${sqlIdent(t.table.name)} (\n${lines.join(',\n')}\n);`);
  }
  for (const t of project.tables) {
    for (const { col } of t.columns) {
      if (!col.references) continue;
      const ref = col.references;
      statements.push(
        `ALTER TABLE ${sqlIdent(t.table.name)} ADD CONSTRAINT ${sqlIdent(fkName(t, col))} FOREIGN KEY (${sqlIdent(col.name)}) ` +
          `REFERENCES "public".${sqlIdent(ref.table)}(${sqlIdent(ref.column)}) ON DELETE ${onDeleteSql(ref.onDelete)} ON UPDATE no action;`,
      );
    }
  }
  for (const t of project.tables) {
    for (const ix of t.table.indexes) {
      statements.push(
        `CREATE INDEX ${sqlIdent(pgName(ix.name))} ON ${sqlIdent(t.table.name)} USING btree (${ix.columns.map(sqlIdent).join(',')});`,
      );
    }
  }
  return `${statements.join(BREAK)}\n`;
}

export const MIGRATION_TAG = '0000_initial';

/** drizzle-kit's journal; `when` is fixed (0) so the file is byte-stable: later migrations only need a larger value. */
export function migrationJournal(): string {
  const journal = {
    version: '7',
    dialect: 'postgresql',
    entries: [{ idx: 0, version: '7', when: 0, tag: MIGRATION_TAG, breakpoints: true }],
  };
  return `${JSON.stringify(journal, null, 2)}\n`;
}

function drizzleDefault(col: PlannedColumn): string {
  const v = col.default;
  if (v === undefined || v === null) return '';
  switch (col.type) {
    case 'datetime':
      return v === 'now' ? '.defaultNow()' : `.default(new Date(${tsString(String(v))}))`;
    case 'date':
      return v === 'now' ? '.defaultNow()' : `.default(${tsString(String(v))})`;
    case 'uuid':
      return v === 'random' ? '.defaultRandom()' : `.default(${tsString(String(v))})`;
    case 'decimal':
      return `.default(${tsString(String(v))})`;
    case 'integer':
    case 'bigint':
      return finite(v) !== undefined ? `.default(${finite(v)})` : '';
    case 'boolean':
      return `.default(${v === true ? 'true' : 'false'})`;
    case 'json':
      return `.default(${tsValue(v)})`;
    default:
      return `.default(${tsString(String(v))})`;
  }
}

function drizzleColumn(project: ProjectInfo, table: TableInfo, info: ColumnInfo): string {
  const col = info.col;
  const name = tsString(col.name);
  let out: string;
  switch (col.type) {
    case 'string':
      out = `pg.varchar(${name}, { length: ${col.length ?? 255} })`;
      break;
    case 'text':
      out = `pg.text(${name})`;
      break;
    case 'integer':
      out = `pg.integer(${name})`;
      break;
    case 'bigint':
      out = `pg.bigint(${name}, { mode: 'number' })`;
      break;
    case 'decimal':
      out = `pg.numeric(${name}, { precision: ${col.precision ?? 10}, scale: ${col.scale ?? 0} })`;
      break;
    case 'boolean':
      out = `pg.boolean(${name})`;
      break;
    case 'date':
      out = `pg.date(${name}, { mode: 'string' })`;
      break;
    case 'datetime':
      out = `pg.timestamp(${name}, { withTimezone: true, mode: 'date' })`;
      break;
    case 'uuid':
      out = `pg.uuid(${name})`;
      break;
    case 'json':
      out = `pg.jsonb(${name})`;
      break;
    case 'enum':
      out = `${info.enumName!.ts}(${name})`;
      break;
  }
  if (col.primaryKey && table.table.primaryKey.length === 1) out += '.primaryKey()';
  if (info.generated && col.type === 'integer') out += '.generatedAlwaysAsIdentity()';
  if (info.generated && col.type === 'uuid') out += '.defaultRandom()';
  if (!info.generated) out += drizzleDefault(col);
  if (!col.nullable && !(col.primaryKey && table.table.primaryKey.length === 1)) out += '.notNull()';
  if (col.references) {
    const target = tableOf(project, col.references.table);
    out += `.references((): pg.AnyPgColumn => ${target.varName}.${col.references.column}, { onDelete: ${tsString(onDeleteSql(col.references.onDelete))} })`;
  }
  return out;
}

export function schemaTs(project: ProjectInfo): string {
  const out: string[] = [];
  out.push(
    `// Drizzle schema of "${oneLine(project.plan.name)}", generated by Orbit. The SQL twin is drizzle/${MIGRATION_TAG}.sql.`,
  );
  const needsSql = project.tables.some((t) => checksOf(t).length > 0);
  if (needsSql) out.push(`import { sql } from 'drizzle-orm';`);
  out.push(`import * as pg from 'drizzle-orm/pg-core';`, '');
  for (const t of project.tables) {
    for (const c of t.columns) {
      if (!c.enumName) continue;
      out.push(
        `export const ${c.enumName.ts} = pg.pgEnum(${tsString(c.enumName.sql)}, [${(c.col.values ?? []).map(tsString).join(', ')}]);`,
      );
    }
  }
  for (const t of project.tables) {
    out.push('');
    const description = t.table.isJoinTable
      ? 'join table of a many-to-many relationship'
      : oneLine(t.table.description ?? '');
    out.push(`// ${t.table.name}${description ? `: ${description}` : ''}`);
    out.push(`export const ${t.varName} = pg.pgTable(`);
    out.push(`  ${tsString(t.table.name)},`);
    out.push('  {');
    for (const c of t.columns) {
      if (c.col.description) out.push(`    // ${oneLine(c.col.description)}`);
      out.push(`    ${c.col.name}: ${drizzleColumn(project, t, c)},`);
    }
    out.push('  },');
    const extras: string[] = [];
    if (t.table.primaryKey.length > 1) {
      extras.push(
        `pg.primaryKey({ name: ${tsString(pkName(t))}, columns: [${t.table.primaryKey.map((c) => `t.${c}`).join(', ')}] })`,
      );
    }
    for (const u of t.table.uniques)
      extras.push(`pg.unique(${tsString(uniqueName(t, u))}).on(${u.map((c) => `t.${c}`).join(', ')})`);
    for (const ck of checksOf(t)) extras.push(`pg.check(${tsString(ck.name)}, sql.raw(${tsString(ck.sql)}))`);
    for (const ix of t.table.indexes) {
      extras.push(`pg.index(${tsString(pgName(ix.name))}).on(${ix.columns.map((c) => `t.${c}`).join(', ')})`);
    }
    if (extras.length > 0) {
      out.push('  (t) => [');
      for (const e of extras) out.push(`    ${e},`);
      out.push('  ],');
    }
    out.push(');');
  }
  for (const t of project.tables) {
    out.push('', `export type ${t.typeName}Row = typeof ${t.varName}.$inferSelect;`);
  }
  return `${out.join('\n')}\n`;
}
