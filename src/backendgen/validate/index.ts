/**
 * The model validator: every problem at once, each with a JSON pointer into the model and a hint that says how to
 * fix it. Structure comes from the TypeBox schema; meaning (references, reserved words, defaults, cycles, limits)
 * from the checks below. Nothing is generated from a model with errors.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import { singular } from '../model/naming.ts';
import { type Column, IDENTIFIER_PATTERN, type Model, ModelSchema, type Relationship } from '../model/types.ts';
import { CONTEXTS, type ReservedContext, reservedIn } from './reserved.ts';

export interface ModelError {
  /** JSON pointer (RFC 6901) into the model, e.g. `/tables/2/columns/0/default`. */
  pointer: string;
  /** Stable machine-readable code, e.g. `dangling-reference`. */
  code: string;
  message: string;
  /** What to change. */
  hint: string;
}

export interface ModelLimits {
  maxBytes: number;
  maxTables: number;
  maxColumnsPerTable: number;
  maxRelationshipsPerTable: number;
}

export const DEFAULT_LIMITS: ModelLimits = {
  maxBytes: 10 * 1024 * 1024,
  maxTables: 50,
  maxColumnsPerTable: 100,
  maxRelationshipsPerTable: 50,
};

export type Validation = { valid: true; model: Model; errors: [] } | { valid: false; errors: ModelError[] };

const check = TypeCompiler.Compile(ModelSchema);
const IDENT = new RegExp(IDENTIFIER_PATTERN);

/**
 * Where strict JSON text first goes wrong, as " at line L, column C". V8's own message does not always carry a
 * position, so a tolerant parser (jsonc-parser, with comments and trailing commas treated as errors) finds it.
 */
function jsonPosition(text: string): string {
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (!first) return '';
  const before = text.slice(0, first.offset).split('\n');
  return ` at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1} (${printParseErrorCode(first.error)})`;
}

/** Parses model JSON text, or returns the one error that says where it is broken. */
export function parseModelText(text: string, limits: ModelLimits = DEFAULT_LIMITS): unknown | ModelError[] {
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxBytes) {
    return [
      {
        pointer: '',
        code: 'too-large',
        message: `The model is ${bytes} bytes; the limit is ${limits.maxBytes}.`,
        hint: 'Split the model into smaller services, or raise the limit.',
      },
    ];
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = (err as Error).message;
    return [
      {
        pointer: '',
        code: 'malformed-json',
        message: `The model is not valid JSON${jsonPosition(text)}: ${message}`,
        hint: 'Fix the JSON syntax (a trailing comma, a missing quote or brace); an editor with the published schema shows it.',
      },
    ];
  }
}

function structuralHint(path: string, message: string): string {
  if (/additional/i.test(message)) return 'Remove the property or check its spelling against `orbit backend schema`.';
  if (/pattern/i.test(message) && /name|parent|child|field|foreignKey|values/.test(path)) {
    return 'Use lower_snake_case: a letter first, then letters, digits or underscores (at most 63).';
  }
  if (/Required property/i.test(message)) return 'Add the property; `orbit backend schema` shows every field.';
  return 'See `orbit backend schema` for the allowed values.';
}

function defaultProblem(c: Column): string | undefined {
  const d = c.default;
  if (d === undefined || d === null)
    return d === null && !c.nullable ? 'null is not allowed: the column is not nullable' : undefined;
  switch (c.type) {
    case 'string':
    case 'text':
      if (typeof d !== 'string') return `a ${c.type} default must be a string`;
      if (c.type === 'string' && d.length > (c.length ?? 255))
        return `it is longer than the column's length ${c.length ?? 255}`;
      if (c.check?.minLength !== undefined && d.length < c.check.minLength) return 'it is shorter than check.minLength';
      if (c.check?.maxLength !== undefined && d.length > c.check.maxLength) return 'it is longer than check.maxLength';
      if (c.check?.pattern !== undefined) {
        try {
          if (!new RegExp(c.check.pattern).test(d)) return 'it does not match check.pattern';
        } catch {
          return undefined;
        }
      }
      return undefined;
    case 'integer':
    case 'bigint':
      if (typeof d !== 'number' || !Number.isSafeInteger(d)) return `an ${c.type} default must be a whole number`;
      if (c.type === 'integer' && Math.abs(d) > 2147483647) return 'it does not fit a 32-bit integer (use bigint)';
      break;
    case 'decimal':
      if (typeof d !== 'number' && !(typeof d === 'string' && /^-?\d+(\.\d+)?$/.test(d))) {
        return 'a decimal default must be a number (or a numeric string)';
      }
      break;
    case 'boolean':
      return typeof d === 'boolean' ? undefined : 'a boolean default must be true or false';
    case 'date':
      return d === 'now' || (typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(d)))
        ? undefined
        : 'a date default must be "now" or YYYY-MM-DD';
    case 'datetime':
      return d === 'now' ||
        (typeof d === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(d))
        ? undefined
        : 'a datetime default must be "now" or an ISO 8601 time with a zone (2024-01-31T12:00:00Z)';
    case 'uuid':
      return d === 'random' ||
        (typeof d === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(d))
        ? undefined
        : 'a uuid default must be "random" or a UUID';
    case 'enum':
      return typeof d === 'string' && c.values?.includes(d)
        ? undefined
        : `it is not one of the values (${(c.values ?? []).join(', ')})`;
    case 'json':
      return undefined;
  }
  const n = Number(d);
  if (c.check?.min !== undefined && n < c.check.min) return 'it is below check.min';
  if (c.check?.max !== undefined && n > c.check.max) return 'it is above check.max';
  return undefined;
}

const NUMERIC = new Set(['integer', 'bigint', 'decimal']);
const TEXTUAL = new Set(['string', 'text']);

/** Validates a model (a parsed object, or JSON text) and returns every error found. */
export function validateModel(input: unknown, limits: ModelLimits = DEFAULT_LIMITS): Validation {
  let value = input;
  if (typeof input === 'string') {
    const parsed = parseModelText(input, limits);
    if (Array.isArray(parsed) && parsed.length > 0 && (parsed[0] as ModelError).code) {
      return { valid: false, errors: parsed as ModelError[] };
    }
    value = parsed;
  }
  const errors: ModelError[] = [];
  const add = (pointer: string, code: string, message: string, hint: string) => {
    if (errors.length < 1000) errors.push({ pointer, code, message, hint });
  };
  const checkDefault = (pointer: string, c: Column) => {
    const problem = defaultProblem(c);
    if (problem) {
      add(
        `${pointer}/default`,
        'default-mismatch',
        `The default of "${c.name}" does not fit its type ${c.type}: ${problem}.`,
        'Change the default or the type.',
      );
    }
  };

  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    add(
      '',
      'not-an-object',
      'The model must be a JSON object.',
      'Start from `orbit backend schema` or examples/models/blog.json.',
    );
    return { valid: false, errors };
  }
  const raw = value as Record<string, unknown>;
  if (!Array.isArray(raw.tables) || raw.tables.length === 0) {
    add('/tables', 'empty-model', 'The model has no tables.', 'Add at least one table with its columns.');
  }
  if (Array.isArray(raw.tables) && raw.tables.length > limits.maxTables) {
    add(
      '/tables',
      'too-many-tables',
      `The model has ${raw.tables.length} tables; the limit is ${limits.maxTables}.`,
      'Split it into smaller services, or raise the limit.',
    );
    return { valid: false, errors };
  }
  for (const e of check.Errors(value)) {
    add(e.path, 'schema', `${e.path || '/'}: ${e.message}`, structuralHint(e.path, e.message));
    if (errors.length > 200) break;
  }
  if (errors.length > 0) return { valid: false, errors };
  const model = value as Model;
  const relationships = model.relationships ?? [];

  const reserved = (
    pointer: string,
    name: string,
    what: string,
    contexts: readonly ReservedContext[] = CONTEXTS.sqlName,
  ) => {
    const lang = reservedIn(name, contexts);
    if (lang)
      add(
        pointer,
        'reserved-word',
        `The ${what} "${name}" is a reserved word in ${lang}.`,
        `Rename it, e.g. "${name}_value" or a more specific name.`,
      );
  };
  const tableIndex = new Map<string, number>();
  model.tables.forEach((t, ti) => {
    const tp = `/tables/${ti}`;
    if (tableIndex.has(t.name))
      add(
        `${tp}/name`,
        'duplicate-name',
        `The table "${t.name}" is declared twice (also /tables/${tableIndex.get(t.name)}).`,
        'Rename one of them or merge their columns.',
      );
    else tableIndex.set(t.name, ti);
    reserved(`${tp}/name`, t.name, 'table name');
    if (singular(t.name) !== t.name)
      reserved(`${tp}/name`, singular(t.name), 'singular of the table name', CONTEXTS.code);
    if (t.columns.length > limits.maxColumnsPerTable) {
      add(
        `${tp}/columns`,
        'too-many-columns',
        `The table "${t.name}" has ${t.columns.length} columns; the limit is ${limits.maxColumnsPerTable}.`,
        'Split it into related tables.',
      );
    }
    const pkName = t.primaryKey?.name ?? 'id';
    const seen = new Map<string, string>([[pkName, `${tp}/primaryKey`]]);
    t.columns.forEach((c, ci) => {
      const cp = `${tp}/columns/${ci}`;
      if (seen.has(c.name))
        add(
          `${cp}/name`,
          'duplicate-name',
          `The column "${c.name}" appears twice in "${t.name}" (also ${seen.get(c.name)}).`,
          'Rename one of them; the primary key is a column too.',
        );
      else seen.set(c.name, cp);
      reserved(`${cp}/name`, c.name, 'column name');
      if (c.length !== undefined && c.type !== 'string')
        add(
          `${cp}/length`,
          'type-attribute',
          `"length" applies to string columns, not ${c.type}.`,
          'Remove it, or make the column a string.',
        );
      if (c.type === 'decimal' && (c.precision === undefined || c.scale === undefined))
        add(
          cp,
          'type-attribute',
          `The decimal column "${c.name}" needs "precision" and "scale".`,
          'E.g. "precision": 10, "scale": 2 for money.',
        );
      if (c.type !== 'decimal' && (c.precision !== undefined || c.scale !== undefined))
        add(
          cp,
          'type-attribute',
          '"precision" and "scale" apply to decimal columns only.',
          'Remove them, or make the column a decimal.',
        );
      if (c.precision !== undefined && c.scale !== undefined && c.scale > c.precision)
        add(
          `${cp}/scale`,
          'type-attribute',
          `The scale ${c.scale} is larger than the precision ${c.precision}.`,
          'The scale counts digits after the point, so it must be at most the precision.',
        );
      if (c.type === 'enum' && !c.values)
        add(
          cp,
          'type-attribute',
          `The enum column "${c.name}" has no "values".`,
          'List its values, e.g. "values": ["draft", "published"].',
        );
      if (c.type !== 'enum' && c.values)
        add(
          `${cp}/values`,
          'type-attribute',
          '"values" applies to enum columns only.',
          'Remove it, or make the column an enum.',
        );
      for (const v of c.values ?? []) reserved(`${cp}/values`, v, 'enum value', CONTEXTS.code);
      const k = c.check;
      if (k) {
        if ((k.min !== undefined || k.max !== undefined) && !NUMERIC.has(c.type))
          add(
            `${cp}/check`,
            'check-type',
            `"min"/"max" apply to numbers; "${c.name}" is ${c.type}.`,
            'Use minLength/maxLength for text, or remove them.',
          );
        if ((k.minLength !== undefined || k.maxLength !== undefined || k.pattern !== undefined) && !TEXTUAL.has(c.type))
          add(
            `${cp}/check`,
            'check-type',
            `"minLength"/"maxLength"/"pattern" apply to text; "${c.name}" is ${c.type}.`,
            'Use min/max for numbers, or remove them.',
          );
        if (k.min !== undefined && k.max !== undefined && k.min > k.max)
          add(`${cp}/check`, 'check-range', `check.min ${k.min} is larger than check.max ${k.max}.`, 'Swap them.');
        if (k.minLength !== undefined && k.maxLength !== undefined && k.minLength > k.maxLength)
          add(
            `${cp}/check`,
            'check-range',
            `check.minLength ${k.minLength} is larger than check.maxLength ${k.maxLength}.`,
            'Swap them.',
          );
        if (c.type === 'string' && k.maxLength !== undefined && k.maxLength > (c.length ?? 255))
          add(
            `${cp}/check/maxLength`,
            'check-range',
            `check.maxLength ${k.maxLength} exceeds the column length ${c.length ?? 255}.`,
            'Raise "length" or lower maxLength.',
          );
        if (k.pattern !== undefined) {
          try {
            new RegExp(k.pattern);
          } catch (err) {
            add(
              `${cp}/check/pattern`,
              'bad-pattern',
              `The pattern does not compile: ${(err as Error).message}`,
              'Use a regular expression both Python and JavaScript accept.',
            );
          }
        }
      }
      checkDefault(cp, c);
    });
  });

  // Relationships: references, names on both sides, per-table counts, required-FK cycles.
  const fields = new Map<string, Map<string, string>>(); // table -> field/column -> pointer
  model.tables.forEach((t, ti) => {
    const m = new Map<string, string>([[t.primaryKey?.name ?? 'id', `/tables/${ti}/primaryKey`]]);
    t.columns.forEach((c, ci) => {
      m.set(c.name, `/tables/${ti}/columns/${ci}`);
    });
    fields.set(t.name, m);
  });
  const claim = (table: string, name: string, pointer: string, what: string) => {
    const m = fields.get(table);
    if (!m) return;
    reserved(pointer, name, what, what === 'foreign key' ? CONTEXTS.sqlName : CONTEXTS.field);
    const other = m.get(name);
    if (other)
      add(
        pointer,
        'name-collision',
        `The ${what} "${name}" collides with "${name}" of "${table}" (${other}).`,
        `Name it explicitly (${what === 'foreign key' ? '"foreignKey"' : '"parentField"/"childField"'}) so it differs.`,
      );
    else m.set(name, pointer);
  };
  const perTable = new Map<string, number>();
  const requiredEdges = new Map<string, { to: string; pointer: string }[]>();
  const joinNames = new Map<string, string>();
  relationships.forEach((r: Relationship, ri) => {
    const rp = `/relationships/${ri}`;
    let ok = true;
    for (const side of ['parent', 'child'] as const) {
      if (!tableIndex.has(r[side])) {
        ok = false;
        const known = [...tableIndex.keys()];
        const close = known.find((k) => k.startsWith(r[side].slice(0, 3)));
        add(
          `${rp}/${side}`,
          'dangling-reference',
          `The ${side} table "${r[side]}" does not exist.`,
          close ? `Did you mean "${close}"?` : `Tables: ${known.join(', ') || '(none)'}.`,
        );
      }
    }
    for (const side of [r.parent, r.child]) perTable.set(side, (perTable.get(side) ?? 0) + 1);
    const self = r.parent === r.child;
    if (r.kind === 'many-to-many') {
      for (const key of ['foreignKey', 'required', 'onDelete'] as const) {
        if (r[key] !== undefined)
          add(
            `${rp}/${key}`,
            'relationship-attribute',
            `"${key}" does not apply to many-to-many (its join table holds the keys).`,
            'Remove it.',
          );
      }
      if (self && (!r.parentField || !r.childField))
        add(
          rp,
          'self-reference-names',
          `A self-referential many-to-many on "${r.parent}" needs "parentField" and "childField".`,
          'E.g. "parentField": "followers", "childField": "following".',
        );
      const jt = r.joinTable?.name ?? `${r.parent}_${r.child}`;
      if (tableIndex.has(jt) || joinNames.has(jt))
        add(
          `${rp}/joinTable`,
          'duplicate-name',
          `The join table "${jt}" collides with another table.`,
          'Set "joinTable": {"name": …} to a free name.',
        );
      joinNames.set(jt, rp);
      reserved(`${rp}/joinTable`, jt, 'join table name');
      const own = new Set<string>();
      (r.joinTable?.columns ?? []).forEach((c, ci) => {
        const cp = `${rp}/joinTable/columns/${ci}`;
        reserved(`${cp}/name`, c.name, 'column name');
        if (own.has(c.name))
          add(`${cp}/name`, 'duplicate-name', `The join column "${c.name}" appears twice.`, 'Rename one.');
        own.add(c.name);
        checkDefault(cp, c);
      });
      if (ok) {
        claim(r.parent, r.childField ?? r.child, `${rp}/childField`, 'relationship field');
        claim(r.child, r.parentField ?? r.parent, `${rp}/parentField`, 'relationship field');
      }
      return;
    }
    if (r.joinTable)
      add(
        `${rp}/joinTable`,
        'relationship-attribute',
        `"joinTable" applies to many-to-many only.`,
        'Remove it, or make the relationship many-to-many.',
      );
    if (self && (!r.foreignKey || !r.parentField || !r.childField))
      add(
        rp,
        'self-reference-names',
        `A self-referential ${r.kind} on "${r.parent}" needs "foreignKey", "parentField" and "childField".`,
        'E.g. "foreignKey": "parent_id", "parentField": "parent", "childField": "children".',
      );
    if (r.required && r.onDelete === 'set-null')
      add(
        `${rp}/onDelete`,
        'on-delete-conflict',
        'A required foreign key cannot be set to null when its parent is deleted.',
        'Use "cascade" or "restrict", or make it optional.',
      );
    if (!ok) return;
    claim(r.child, r.foreignKey ?? `${singular(r.parent)}_id`, `${rp}/foreignKey`, 'foreign key');
    claim(r.child, r.parentField ?? singular(r.parent), `${rp}/parentField`, 'relationship field');
    claim(
      r.parent,
      r.childField ?? (r.kind === 'one-to-one' ? singular(r.child) : r.child),
      `${rp}/childField`,
      'relationship field',
    );
    if (r.required) {
      const edges = requiredEdges.get(r.child) ?? [];
      edges.push({ to: r.parent, pointer: rp });
      requiredEdges.set(r.child, edges);
    }
  });
  for (const [table, count] of perTable) {
    if (count > limits.maxRelationshipsPerTable) {
      add(
        `/tables/${tableIndex.get(table) ?? 0}`,
        'too-many-relationships',
        `The table "${table}" takes part in ${count} relationships; the limit is ${limits.maxRelationshipsPerTable}.`,
        'Split it, or raise the limit.',
      );
    }
  }
  // A cycle of required foreign keys (a self-reference included) means no first row can ever be inserted.
  const state = new Map<string, 'open' | 'done'>();
  const stack: { table: string; pointer: string }[] = [];
  const visit = (table: string) => {
    state.set(table, 'open');
    for (const e of requiredEdges.get(table) ?? []) {
      stack.push({ table: e.to, pointer: e.pointer });
      if (state.get(e.to) === 'open') {
        const start = stack.findIndex((s) => s.table === e.to);
        const cycle = [e.to, ...stack.slice(start + 1).map((s) => s.table)];
        add(
          e.pointer,
          'required-cycle',
          `Required foreign keys form a cycle (${[table, ...cycle].join(' → ')}): no row could be inserted first.`,
          'Make one of these relationships optional ("required": false).',
        );
      } else if (!state.has(e.to)) visit(e.to);
      stack.pop();
    }
    state.set(table, 'done');
  };
  for (const t of tableIndex.keys()) if (!state.has(t)) visit(t);

  if (!IDENT.test(model.name)) add('/name', 'schema', 'The project name is not lower_snake_case.', 'E.g. "blog".');
  reserved('/name', model.name, 'project name', CONTEXTS.code);
  return errors.length === 0 ? { valid: true, model, errors: [] } : { valid: false, errors };
}
