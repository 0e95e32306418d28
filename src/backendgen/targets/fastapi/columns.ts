import { createHash } from 'node:crypto';
import type { Plan, PlannedColumn, PlannedRelation, PlannedTable } from './contract.ts';
import { call, type Item } from './layout.ts';
import { pyFloat, pyJson, pyStr } from './python.ts';

/** PascalCase of a snake_case identifier. */
export function pascal(name: string): string {
  return name
    .split('_')
    .filter(Boolean)
    .map((p) => p[0]?.toUpperCase() + p.slice(1))
    .join('');
}

/** A constraint or index name within PostgreSQL's 63 bytes: long ones end in a stable hash. */
export function constraintName(name: string): string {
  if (name.length <= 63) return name;
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, 54)}_${digest}`;
}

export function tableOf(plan: Plan, name: string): PlannedTable {
  const table = plan.tables.find((t) => t.name === name);
  if (!table) throw new Error(`plan has no table ${name}`);
  return table;
}

export function pkColumn(table: PlannedTable): PlannedColumn {
  const pk = table.columns.find((c) => c.primaryKey) ?? table.columns[0];
  if (!pk) throw new Error(`table ${table.name} has no columns`);
  return pk;
}

/** Columns the API accepts on create/update: everything but the (generated) primary key. */
export function writableColumns(table: PlannedTable): PlannedColumn[] {
  return table.columns.filter((c) => !c.primaryKey);
}

/** Declared data columns (not the key, not foreign keys). */
export function dataColumns(table: PlannedTable): PlannedColumn[] {
  return table.columns.filter((c) => !c.primaryKey && !c.references);
}

export function isEnum(c: PlannedColumn): boolean {
  return c.type === 'enum';
}

/** Python type of a column's values (without None). */
export function pyType(table: PlannedTable, c: PlannedColumn): string {
  switch (c.type) {
    case 'string':
    case 'text':
      return 'str';
    case 'integer':
    case 'bigint':
      return 'int';
    case 'decimal':
      return 'Decimal';
    case 'boolean':
      return 'bool';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    case 'uuid':
      return 'uuid.UUID';
    case 'json':
      return 'Any';
    case 'enum':
      return enumAlias(table, c);
    default:
      throw new Error(`unknown column type ${String(c.type)}`);
  }
}

/** The name of the Literal type alias of an enum column (in app/schemas.py). */
export function enumAlias(table: PlannedTable, c: PlannedColumn): string {
  return `${table.className}${pascal(c.name)}Choice`;
}

export function enumLength(c: PlannedColumn): number {
  return Math.max(1, ...(c.values ?? []).map((v) => v.length));
}

export function enumName(table: PlannedTable, c: PlannedColumn): string {
  return constraintName(`${table.name}_${c.name}`);
}

function enumCall(head: string, table: PlannedTable, c: PlannedColumn): Item {
  return call(head, [
    ...(c.values ?? []).map(pyStr),
    `name=${pyStr(enumName(table, c))}`,
    'native_enum=False',
    `length=${enumLength(c)}`,
  ]);
}

/** SQLAlchemy type expression for app/models.py (names imported from sqlalchemy / app.types). */
export function saType(table: PlannedTable, c: PlannedColumn): { expr: Item; imports: string[]; local?: string } {
  switch (c.type) {
    case 'string':
      return { expr: `String(${c.length ?? 255})`, imports: ['String'] };
    case 'text':
      return { expr: 'Text', imports: ['Text'] };
    case 'integer':
      return { expr: 'Integer', imports: ['Integer'] };
    case 'bigint':
      return { expr: 'BigInteger', imports: ['BigInteger'] };
    case 'decimal':
      return { expr: `Numeric(${c.precision ?? 10}, ${c.scale ?? 0})`, imports: ['Numeric'] };
    case 'boolean':
      return { expr: 'Boolean', imports: ['Boolean'] };
    case 'date':
      return { expr: 'Date', imports: ['Date'] };
    case 'datetime':
      return { expr: 'UTCDateTime', imports: [], local: 'UTCDateTime' };
    case 'uuid':
      return { expr: 'Uuid', imports: ['Uuid'] };
    case 'json':
      return { expr: 'JSON', imports: ['JSON'] };
    case 'enum': {
      return { expr: enumCall('sa.Enum', table, c), imports: ['Enum'] };
    }
    default:
      throw new Error(`unknown column type ${String(c.type)}`);
  }
}

/** SQLAlchemy type as Alembic writes it (`sa.` prefix) for the migration. */
export function migrationType(table: PlannedTable, c: PlannedColumn): Item {
  switch (c.type) {
    case 'string':
      return `sa.String(length=${c.length ?? 255})`;
    case 'text':
      return 'sa.Text()';
    case 'integer':
      return 'sa.Integer()';
    case 'bigint':
      return 'sa.BigInteger()';
    case 'decimal':
      return `sa.Numeric(precision=${c.precision ?? 10}, scale=${c.scale ?? 0})`;
    case 'boolean':
      return 'sa.Boolean()';
    case 'date':
      return 'sa.Date()';
    case 'datetime':
      return 'sa.DateTime(timezone=True)';
    case 'uuid':
      return 'sa.Uuid()';
    case 'json':
      return 'sa.JSON()';
    case 'enum': {
      return enumCall('sa.Enum', table, c);
    }
    default:
      throw new Error(`unknown column type ${String(c.type)}`);
  }
}

/** Whether the column's default is computed at insert time ("now", "random") rather than a constant. */
export function defaultFactory(c: PlannedColumn): string | undefined {
  if (c.type === 'datetime' && c.default === 'now') return 'utc_now';
  if (c.type === 'date' && c.default === 'now') return 'utc_today';
  if (c.type === 'uuid' && c.default === 'random') return 'uuid.uuid4';
  return undefined;
}

export function hasDefault(c: PlannedColumn): boolean {
  return c.default !== undefined && c.default !== null;
}

/** Name of a column's default constant in app/defaults.py. */
export function defaultConstant(table: PlannedTable, c: PlannedColumn): string {
  return `${table.name}_${c.name}`.toUpperCase();
}

/** Python expression of a constant default (for app/defaults.py), with the imports it needs. */
export function defaultValue(c: PlannedColumn): {
  expr: string | { head: string; args: string[] };
  annotation: string;
  imports: [string, string][];
} {
  const v = c.default;
  switch (c.type) {
    case 'string':
    case 'text':
    case 'enum':
      return { expr: pyStr(String(v)), annotation: 'str', imports: [] };
    case 'integer':
    case 'bigint':
      return { expr: BigInt(Math.trunc(Number(v))).toString(), annotation: 'int', imports: [] };
    case 'decimal':
      return {
        expr: { head: 'Decimal', args: [pyStr(decimalText(v, c.scale ?? 0))] },
        annotation: 'Decimal',
        imports: [['decimal', 'Decimal']],
      };
    case 'boolean':
      return { expr: v ? 'True' : 'False', annotation: 'bool', imports: [] };
    case 'date':
      return {
        expr: { head: 'date.fromisoformat', args: [pyStr(String(v))] },
        annotation: 'date',
        imports: [['datetime', 'date']],
      };
    case 'datetime':
      return {
        expr: { head: 'datetime.fromisoformat', args: [pyStr(String(v))] },
        annotation: 'datetime',
        imports: [['datetime', 'datetime']],
      };
    case 'uuid':
      return { expr: { head: 'uuid.UUID', args: [pyStr(String(v))] }, annotation: 'uuid.UUID', imports: [] };
    case 'json':
      return { expr: pyJson(v, ''), annotation: 'Any', imports: [['typing', 'Any']] };
    default:
      throw new Error(`unknown column type ${String(c.type)}`);
  }
}

/** A decimal number as text with exactly `scale` fraction digits. */
export function decimalText(value: unknown, scale: number): string {
  const n = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) {
    const [whole = '0', frac = ''] = value.split('.');
    if (scale === 0) return whole;
    return `${whole}.${frac.padEnd(scale, '0').slice(0, scale)}`;
  }
  return n.toFixed(scale);
}

/** A numeric bound as a Python literal of the column's type. */
export function boundLiteral(c: PlannedColumn, value: number): string {
  if (c.type === 'decimal') return `Decimal(${pyStr(String(value))})`;
  if (Number.isInteger(value)) return String(value);
  return pyFloat(value);
}

/** The largest string length the API accepts for a column, if any. */
export function maxLength(c: PlannedColumn): number | undefined {
  const fromType = c.type === 'string' ? (c.length ?? 255) : undefined;
  const fromCheck = c.check?.maxLength;
  if (fromType === undefined) return fromCheck;
  if (fromCheck === undefined) return fromType;
  return Math.min(fromType, fromCheck);
}

export function isStringy(c: PlannedColumn): boolean {
  return c.type === 'string' || c.type === 'text';
}

/** Columns usable as `?column=value` filters and `sort=column`. */
export function filterable(c: PlannedColumn): boolean {
  return c.type !== 'json' && c.type !== 'text';
}

export function sortable(c: PlannedColumn): boolean {
  return c.type !== 'json';
}

/** Parameters and locals of a list route: a column with one of these names is not offered as a filter. */
export const QUERY_NAMES = new Set([
  'limit',
  'offset',
  'sort',
  'order',
  'session',
  'query',
  'total',
  'column',
  'ordering',
  'rows',
  'items',
]);

/** Relations of a table that hold many related rows. */
export function manyRelations(table: PlannedTable): PlannedRelation[] {
  return table.relations.filter((r) => r.cardinality === 'many');
}

export function joinRelations(table: PlannedTable): (PlannedRelation & {
  via: { kind: 'join'; joinTable: string; ownColumn: string; targetColumn: string };
})[] {
  return table.relations.flatMap((r) => (r.via.kind === 'join' ? [r as PlannedRelation & { via: typeof r.via }] : []));
}

/** CRUD tables (join tables are reached through their relationships). */
export function entityTables(plan: Plan): PlannedTable[] {
  return plan.tables.filter((t) => !t.isJoinTable);
}

/**
 * Unique constraints of a table: the plan's, plus any column flagged unique that no listed constraint covers alone
 * (a join table's composite key is already unique through its primary key).
 */
export function tableUniques(table: PlannedTable): string[][] {
  const out: string[][] = [];
  const seen = new Set<string>();
  const add = (cols: string[]) => {
    const key = cols.join('\u0000');
    if (seen.has(key) || (cols.length === table.primaryKey.length && cols.every((c) => table.primaryKey.includes(c))))
      return;
    seen.add(key);
    out.push(cols);
  };
  for (const u of table.uniques) add(u);
  for (const c of table.columns) if (c.unique && !c.primaryKey) add([c.name]);
  return out;
}

/** Indexes of a table: the plan's, plus `ix_<table>_<column>` for a column flagged index that none starts with. */
export function tableIndexes(table: PlannedTable): { name: string; columns: string[] }[] {
  const out = [...table.indexes];
  for (const c of table.columns) {
    if (!c.index || c.primaryKey || c.unique) continue;
    if (out.some((ix) => ix.columns[0] === c.name)) continue;
    out.push({ name: `ix_${table.name}_${c.name}`, columns: [c.name] });
  }
  return out;
}

/** A stable short hash of the plan's tables: the migration's revision id. */
export function planDigest(plan: Plan): string {
  const canonical = JSON.stringify({ name: plan.name, tables: plan.tables });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}
