/**
 * The architect: turns a valid model into the plan every target generates from. It fills defaults, adds primary
 * and foreign key columns, gives each relationship a field on both sides, builds join tables, derives uniques and
 * indexes with deterministic names, and orders tables so that referenced ones come first.
 */
import { pascal, singular } from '../model/naming.ts';
import type { Column, Model, OnDelete } from '../model/types.ts';
import type { Target } from '../targets/types.ts';
import type { Plan, PlannedColumn, PlannedTable } from './types.ts';

export type { Plan, PlannedColumn, PlannedRelation, PlannedTable } from './types.ts';

function column(c: Column): PlannedColumn {
  const out: PlannedColumn = {
    id: c.id ?? c.name,
    name: c.name,
    type: c.type,
    nullable: c.nullable ?? false,
    unique: c.unique ?? false,
    index: c.index ?? false,
    primaryKey: false,
  };
  if (c.type === 'string') out.length = c.length ?? 255;
  if (c.type === 'decimal') {
    out.precision = c.precision;
    out.scale = c.scale;
  }
  if (c.values) out.values = [...c.values];
  if (c.default !== undefined) out.default = c.default;
  if (c.check && Object.keys(c.check).length > 0) out.check = { ...c.check };
  if (c.description) out.description = c.description;
  return out;
}

function finish(table: PlannedTable): PlannedTable {
  for (const c of table.columns) {
    if (c.primaryKey) continue;
    if (c.unique) table.uniques.push([c.name]);
    else if (c.index) table.indexes.push({ name: `ix_${table.name}_${c.name}`, columns: [c.name] });
  }
  return table;
}

/** Tables in an order where every referenced table comes before the tables that reference it. */
function buildOrder(tables: PlannedTable[], warnings: string[]): string[] {
  const deps = new Map(
    tables.map((t) => [
      t.name,
      new Set(t.columns.flatMap((c) => (c.references && c.references.table !== t.name ? [c.references.table] : []))),
    ]),
  );
  const order: string[] = [];
  const placed = new Set<string>();
  const remaining = tables.filter((t) => !t.isJoinTable).map((t) => t.name);
  while (remaining.length > 0) {
    const next = remaining.find((n) => [...(deps.get(n) ?? [])].every((d) => placed.has(d)));
    const pick = next ?? (remaining[0] as string);
    if (!next) {
      warnings.push(
        `Optional foreign keys form a cycle through "${pick}": it is created before a table it references; insert its rows with the reference empty, then set it.`,
      );
    }
    order.push(pick);
    placed.add(pick);
    remaining.splice(remaining.indexOf(pick), 1);
  }
  return [...order, ...tables.filter((t) => t.isJoinTable).map((t) => t.name)];
}

/** Plans a model that `validateModel` accepted. Deterministic: the same model gives the same plan. */
export function planModel(model: Model, targets: readonly Target[] = []): Plan {
  const warnings: string[] = [];
  const tables = new Map<string, PlannedTable>();
  for (const t of model.tables) {
    const pk = t.primaryKey ?? { name: 'id', type: 'integer' as const };
    const planned: PlannedTable = {
      id: t.id ?? t.name,
      name: t.name,
      className: t.className ?? pascal(singular(t.name)),
      singular: singular(t.name),
      isJoinTable: false,
      columns: [
        { id: pk.name, name: pk.name, type: pk.type, nullable: false, unique: false, index: false, primaryKey: true },
        ...t.columns.map(column),
      ],
      primaryKey: [pk.name],
      uniques: [],
      indexes: [],
      relations: [],
    };
    if (t.description) planned.description = t.description;
    tables.set(t.name, planned);
  }
  const pkOf = (name: string) => tables.get(name)?.columns[0] as PlannedColumn;
  const joins: PlannedTable[] = [];

  (model.relationships ?? []).forEach((r, index) => {
    const parent = tables.get(r.parent) as PlannedTable;
    const child = tables.get(r.child) as PlannedTable;
    if (r.kind === 'many-to-many') {
      const name = r.joinTable?.name ?? `${r.parent}_${r.child}`;
      const parentField = r.parentField ?? r.parent;
      const childField = r.childField ?? r.child;
      let own = `${singular(r.parent)}_id`;
      let other = `${singular(r.child)}_id`;
      if (own === other) {
        own = `${singular(parentField)}_id`;
        other = `${singular(childField)}_id`;
      }
      const key = (col: string, table: string): PlannedColumn => ({
        id: col,
        name: col,
        type: pkOf(table).type,
        nullable: false,
        unique: false,
        index: false,
        primaryKey: true,
        references: { table, column: pkOf(table).name, onDelete: 'cascade' },
      });
      const join: PlannedTable = {
        id: r.id ?? name,
        name,
        className: pascal(singular(name)),
        singular: singular(name),
        isJoinTable: true,
        columns: [key(own, r.parent), key(other, r.child), ...(r.joinTable?.columns ?? []).map(column)],
        primaryKey: [own, other],
        uniques: [],
        // The primary key (own, other) serves lookups by `own`; lookups by `other` need their own index.
        indexes: [{ name: `ix_${name}_${other}`, columns: [other] }],
        relations: [],
      };
      if (r.description) join.description = r.description;
      joins.push(finish(join));
      parent.relations.push({
        field: childField,
        cardinality: 'many',
        target: r.child,
        via: { kind: 'join', joinTable: name, ownColumn: own, targetColumn: other },
        inverse: parentField,
        relationshipIndex: index,
      });
      child.relations.push({
        field: parentField,
        cardinality: 'many',
        target: r.parent,
        via: { kind: 'join', joinTable: name, ownColumn: other, targetColumn: own },
        inverse: childField,
        relationshipIndex: index,
      });
      return;
    }
    const fk = r.foreignKey ?? `${singular(r.parent)}_id`;
    const oneToOne = r.kind === 'one-to-one';
    const onDelete: OnDelete = r.onDelete ?? (r.required ? 'restrict' : 'set-null');
    const parentField = r.parentField ?? singular(r.parent);
    const childField = r.childField ?? (oneToOne ? singular(r.child) : r.child);
    child.columns.push({
      id: r.id ? `${r.id}.fk` : fk,
      name: fk,
      type: pkOf(r.parent).type,
      nullable: !r.required,
      unique: oneToOne,
      index: !oneToOne,
      primaryKey: false,
      references: { table: r.parent, column: pkOf(r.parent).name, onDelete },
      ...(r.description ? { description: r.description } : {}),
    });
    child.relations.push({
      field: parentField,
      cardinality: 'one',
      target: r.parent,
      via: { kind: 'fk-here', column: fk },
      inverse: childField,
      relationshipIndex: index,
    });
    parent.relations.push({
      field: childField,
      cardinality: oneToOne ? 'one' : 'many',
      target: r.child,
      via: { kind: 'fk-there', column: fk },
      inverse: parentField,
      relationshipIndex: index,
    });
  });

  for (const t of tables.values()) {
    finish(t);
    if (t.columns.length === 1 && t.relations.length === 0) {
      warnings.push(`The table "${t.name}" has only its primary key and no relationships.`);
    }
  }
  const all = [...tables.values(), ...joins];
  const order = buildOrder(all, warnings);
  const byName = new Map(all.map((t) => [t.name, t]));
  const plan: Plan = {
    name: model.name,
    tables: order.map((n) => byName.get(n) as PlannedTable),
    buildOrder: order,
    files: [],
    warnings,
  };
  if (model.description) plan.description = model.description;
  plan.files = targets.flatMap((target) => target.files(plan).map((f) => ({ target: target.name, ...f })));
  return plan;
}

/** The plan for people: what will be built, in which order, and which files each target writes. */
export function planMarkdown(plan: Plan): string {
  const lines = [`# Plan: ${plan.name}`, ''];
  if (plan.description) lines.push(plan.description.replace(/\s+/g, ' '), '');
  lines.push(`Build order: ${plan.buildOrder.map((n) => `\`${n}\``).join(' → ')}`, '', '## Tables', '');
  for (const t of plan.tables) {
    lines.push(`### \`${t.name}\` (${t.className}${t.isJoinTable ? ', join table' : ''})`, '');
    lines.push('| column | type | null | unique | index | references |', '| --- | --- | --- | --- | --- | --- |');
    for (const c of t.columns) {
      const type =
        c.type === 'string'
          ? `string(${c.length})`
          : c.type === 'decimal'
            ? `decimal(${c.precision},${c.scale})`
            : c.type === 'enum'
              ? `enum(${c.values?.join('|')})`
              : c.type;
      const ref = c.references ? `${c.references.table}.${c.references.column} on delete ${c.references.onDelete}` : '';
      lines.push(
        `| \`${c.name}\`${c.primaryKey ? ' (pk)' : ''} | ${type} | ${c.nullable ? 'yes' : 'no'} | ${c.unique ? 'yes' : ''} | ${c.index ? 'yes' : ''} | ${ref} |`,
      );
    }
    if (t.relations.length > 0) {
      lines.push('', 'Relationships:');
      for (const r of t.relations) {
        const via =
          r.via.kind === 'join'
            ? `through \`${r.via.joinTable}\``
            : r.via.kind === 'fk-here'
              ? `by \`${r.via.column}\` here`
              : `by \`${r.target}.${r.via.column}\``;
        lines.push(
          `- \`${r.field}\` → ${r.cardinality === 'many' ? 'many' : 'one'} \`${r.target}\` ${via} (inverse \`${r.inverse}\`)`,
        );
      }
    }
    lines.push('');
  }
  if (plan.files.length > 0) {
    lines.push('## Files', '');
    for (const target of [...new Set(plan.files.map((f) => f.target))]) {
      lines.push(`### ${target}`, '');
      for (const f of plan.files.filter((x) => x.target === target)) lines.push(`- \`${f.path}\`: ${f.purpose}`);
      lines.push('');
    }
  }
  if (plan.warnings.length > 0) lines.push('## Warnings', '', ...plan.warnings.map((w) => `- ${w}`), '');
  return lines.join('\n');
}
