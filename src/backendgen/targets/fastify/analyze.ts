import type { Plan, PlannedColumn, PlannedRelation, PlannedTable } from './contract.ts';
import { patternCounterexample, patternSamples } from './regex-sample.ts';
import { camel, pascal, pgName, tsString } from './text.ts';

/**
 * How many distinct sample values the generated tests get per column; rows they create cycle through them, so a column
 * in a unique constraint needs more values than any test file creates rows of its table.
 */
export const SAMPLE_COUNT = { unique: 400, other: 8 };

const INT32 = { min: -2147483648, max: 2147483647 };
const SAFE = { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

/** Query parameter names the list endpoint uses itself; a column with one of these names is not offered as a filter. */
export const RESERVED_QUERY = new Set(['limit', 'offset', 'sort', 'order', 'include']);

export interface Violation {
  /** The declared constraint, e.g. `min`, `maxLength`, `pattern`, `enum`. */
  constraint: string;
  value: unknown;
}

export interface ColumnInfo {
  col: PlannedColumn;
  /** Column is a server-generated primary key (identity integer or random uuid): never in a request body. */
  generated: boolean;
  /** Must be present in a create body. */
  required: boolean;
  /** Values that satisfy every declared constraint, distinct where the type allows. */
  samples: unknown[];
  violations: Violation[];
  filterable: boolean;
  sortable: boolean;
  /** TypeBox expression for one non-null value. */
  typebox: string;
  /** TypeBox expression for a query-string filter value (strings coerced to the type by Ajv). */
  queryTypebox: string;
  enumName?: { ts: string; sql: string };
}

export interface TableInfo {
  table: PlannedTable;
  varName: string;
  typeName: string;
  pk: ColumnInfo;
  columns: ColumnInfo[];
  /** Columns a client may send (everything but a generated primary key). */
  writable: ColumnInfo[];
  relations: PlannedRelation[];
}

export interface ProjectInfo {
  plan: Plan;
  packageName: string;
  tables: TableInfo[];
  entities: TableInfo[];
  byName: Map<string, TableInfo>;
}

function stringBounds(col: PlannedColumn): { minLength: number; maxLength: number } {
  const max = Math.min(
    col.type === 'string' ? (col.length ?? 255) : Number.POSITIVE_INFINITY,
    col.check?.maxLength ?? Number.POSITIVE_INFINITY,
  );
  return { minLength: Math.max(0, col.check?.minLength ?? 0), maxLength: max };
}

function numberBounds(col: PlannedColumn): { min: number; max: number } {
  const base = col.type === 'integer' ? INT32 : SAFE;
  return { min: Math.max(base.min, col.check?.min ?? base.min), max: Math.min(base.max, col.check?.max ?? base.max) };
}

function plainStringSamples(col: PlannedColumn, count: number): string[] {
  const { minLength, maxLength } = stringBounds(col);
  const out: string[] = [];
  for (let n = 0; out.length < count && n < count * 4; n++) {
    let s = `${col.name.replace(/_/g, '-')}-${n + 1}`;
    if (s.length > maxLength) s = (n + 1).toString(36);
    if (s.length < minLength) s = s.padEnd(minLength, 'x');
    if (s.length <= maxLength && !out.includes(s)) out.push(s);
  }
  return out;
}

function decimalText(value: number, scale: number): string {
  return value.toFixed(scale);
}

function samplesOf(col: PlannedColumn, count: number): unknown[] {
  switch (col.type) {
    case 'string':
    case 'text':
      if (col.check?.pattern !== undefined) return patternSamples(col.check.pattern, stringBounds(col), count);
      return plainStringSamples(col, count);
    case 'integer':
    case 'bigint': {
      const { min, max } = numberBounds(col);
      const lo = Math.ceil(Math.max(min, Math.min(1, max)));
      const hi = Math.floor(max);
      const out: number[] = [];
      for (let n = 0; n < count && lo + n <= hi; n++) out.push(lo + n);
      return out;
    }
    case 'decimal': {
      const scale = col.scale ?? 0;
      const intDigits = Math.max(0, (col.precision ?? 10) - scale);
      const limit = intDigits >= 15 ? Number.MAX_SAFE_INTEGER : 10 ** intDigits - 10 ** -scale;
      const min = Math.max(col.check?.min ?? -limit, -limit);
      const max = Math.min(col.check?.max ?? limit, limit);
      const step = 10 ** -scale;
      const lo = Math.max(min, Math.min(1, max));
      const start = Math.ceil(lo / step) * step;
      const out: string[] = [];
      for (let n = 0; out.length < count; n++) {
        const v = start + n * (scale > 0 ? step * 25 : 1);
        if (v > max + step / 2) break;
        out.push(decimalText(v, scale));
      }
      return out;
    }
    case 'boolean':
      return [true, false];
    case 'date':
      return Array.from({ length: count }, (_, n) => new Date(Date.UTC(2024, 0, 1 + n)).toISOString().slice(0, 10));
    case 'datetime':
      return Array.from({ length: count }, (_, n) => new Date(Date.UTC(2024, 0, 1, 9, n)).toISOString());
    case 'uuid':
      return Array.from(
        { length: count },
        (_, n) => `00000000-0000-4000-8000-${(n + 1).toString(16).padStart(12, '0')}`,
      );
    case 'json':
      return Array.from({ length: count }, (_, n) => ({ sample: n + 1, tags: ['a', 'b'] }));
    case 'enum':
      return [...(col.values ?? [])];
  }
}

function violationsOf(col: PlannedColumn): Violation[] {
  const out: Violation[] = [];
  const check = col.check ?? {};
  if (col.type === 'integer' || col.type === 'bigint') {
    if (check.min !== undefined) out.push({ constraint: 'min', value: Math.floor(check.min) - 1 });
    if (check.max !== undefined) out.push({ constraint: 'max', value: Math.ceil(check.max) + 1 });
  }
  if (col.type === 'decimal') {
    const scale = col.scale ?? 0;
    if (check.min !== undefined) out.push({ constraint: 'min', value: decimalText(check.min - 1, scale) });
    if (check.max !== undefined) out.push({ constraint: 'max', value: decimalText(check.max + 1, scale) });
  }
  if (col.type === 'string' || col.type === 'text') {
    const bounds = stringBounds(col);
    const fill = (n: number) => {
      if (check.pattern === undefined) return 'x'.repeat(n);
      const sample = patternSamples(check.pattern, { minLength: 0, maxLength: Number.POSITIVE_INFINITY }, 1)[0] ?? 'x';
      return sample.length >= n ? sample.slice(0, n) : sample.padEnd(n, sample.slice(-1) || 'x');
    };
    if (bounds.minLength > 0) out.push({ constraint: 'minLength', value: fill(bounds.minLength - 1) });
    if (Number.isFinite(bounds.maxLength)) {
      out.push({
        constraint:
          col.type === 'string' && (check.maxLength === undefined || check.maxLength >= (col.length ?? 255))
            ? 'length'
            : 'maxLength',
        value: fill(bounds.maxLength + 1),
      });
    }
    if (check.pattern !== undefined) {
      const bad = patternCounterexample(check.pattern, bounds);
      if (bad !== undefined) out.push({ constraint: 'pattern', value: bad });
    }
  }
  if (col.type === 'enum') {
    let bad = 'not_a_value';
    while ((col.values ?? []).includes(bad)) bad += '_x';
    out.push({ constraint: 'enum', value: bad });
  }
  return out;
}

function typeboxOf(col: PlannedColumn): string {
  const opts = (o: Record<string, unknown>) => {
    const entries = Object.entries(o).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '';
    return `{ ${entries.map(([k, v]) => `${k}: ${typeof v === 'string' ? tsString(v) : String(v)}`).join(', ')} }`;
  };
  switch (col.type) {
    case 'string':
    case 'text': {
      const b = stringBounds(col);
      return `Type.String(${opts({
        minLength: b.minLength > 0 ? b.minLength : undefined,
        maxLength: Number.isFinite(b.maxLength) ? b.maxLength : undefined,
        pattern: col.check?.pattern,
      })})`;
    }
    case 'integer':
    case 'bigint': {
      const b = numberBounds(col);
      return `Type.Integer(${opts({ minimum: b.min, maximum: b.max })})`;
    }
    case 'decimal': {
      const scale = col.scale ?? 0;
      const intDigits = Math.max(1, (col.precision ?? 10) - scale);
      const pattern = scale > 0 ? `^-?\\d{1,${intDigits}}(\\.\\d{1,${scale}})?$` : `^-?\\d{1,${intDigits}}$`;
      return `Type.String(${opts({ pattern })})`;
    }
    case 'boolean':
      return 'Type.Boolean()';
    case 'date':
      return `Type.String({ format: 'date' })`;
    case 'datetime':
      return `Type.String({ format: 'date-time' })`;
    case 'uuid':
      return `Type.String({ format: 'uuid' })`;
    case 'json':
      return 'Type.Unknown()';
    case 'enum':
      return `Type.Union([${(col.values ?? []).map((v) => `Type.Literal(${tsString(v)})`).join(', ')}])`;
  }
}

export function analyze(plan: Plan): ProjectInfo {
  const usedEnumNames = new Set<string>(plan.tables.map((t) => t.name));
  const usedTsNames = new Set<string>();
  const tables: TableInfo[] = plan.tables.map((table) => {
    const columns = table.columns.map((col): ColumnInfo => {
      const generated = col.primaryKey && !table.isJoinTable && (col.type === 'integer' || col.type === 'uuid');
      const hasDefault = col.default !== undefined && col.default !== null;
      let enumName: ColumnInfo['enumName'];
      if (col.type === 'enum') {
        let sql = pgName(`${table.name}_${col.name}`);
        while (usedEnumNames.has(sql)) sql = pgName(`${sql}_enum`);
        usedEnumNames.add(sql);
        let ts = `${camel(table.name)}${pascal(col.name)}Enum`;
        while (usedTsNames.has(ts)) ts = `${ts}X`;
        usedTsNames.add(ts);
        enumName = { ts, sql };
      }
      const typebox = typeboxOf(col);
      return {
        col,
        generated,
        required: !generated && !col.nullable && !hasDefault,
        samples: samplesOf(
          col,
          table.uniques.some((u) => u.includes(col.name)) || col.unique ? SAMPLE_COUNT.unique : SAMPLE_COUNT.other,
        ),
        violations: violationsOf(col),
        filterable: col.type !== 'json' && !RESERVED_QUERY.has(col.name),
        sortable: col.type !== 'json',
        typebox,
        queryTypebox: typebox,
        ...(enumName ? { enumName } : {}),
      };
    });
    const pk = columns.find((c) => c.col.primaryKey) ?? columns[0]!;
    return {
      table,
      varName: `${camel(table.name)}Table`,
      typeName: table.className,
      pk,
      columns,
      writable: columns.filter((c) => !c.generated),
      relations: table.relations,
    };
  });
  const byName = new Map(tables.map((t) => [t.table.name, t]));
  return {
    plan,
    packageName: plan.name.replace(/_/g, '-'),
    tables,
    entities: tables.filter((t) => !t.table.isJoinTable),
    byName,
  };
}

export function tableOf(project: ProjectInfo, name: string): TableInfo {
  const t = project.byName.get(name);
  if (!t) throw new Error(`The plan names a table "${name}" it does not define`);
  return t;
}

export function columnOf(table: TableInfo, name: string): ColumnInfo {
  const c = table.columns.find((x) => x.col.name === name);
  if (!c) throw new Error(`The plan names a column "${table.table.name}.${name}" it does not define`);
  return c;
}
