/**
 * Python source layout the way `ruff format` and ruff's isort write it, so generated files pass
 * `ruff format --check` and `ruff check` as written: one line when it fits, otherwise one item per line with a
 * trailing comma (which ruff then keeps exploded).
 */

/** The line length ruff is configured with: 100, or longer for a model whose names do not fit (see index.ts). */
export const DEFAULT_LINE_LENGTH = 100;
let LINE_LENGTH = DEFAULT_LINE_LENGTH;

/** Runs `fn` with the given line length (generation is synchronous, so this cannot leak into another run). */
export function withLineLength<T>(length: number, fn: () => T): T {
  const before = LINE_LENGTH;
  LINE_LENGTH = length;
  try {
    return fn();
  } finally {
    LINE_LENGTH = before;
  }
}

/** A call (or bracketed list) whose arguments may themselves be calls: split from the outside in, as ruff does. */
export interface Call {
  head: string;
  args: Item[];
  open?: string;
  close?: string;
}

export type Item = string | Call;

export function call(head: string, args: Item[]): Call {
  return { head, args };
}

/** An item on one line. */
export function inline(item: Item): string {
  if (typeof item === 'string') return item;
  return `${item.head}${item.open ?? '('}${item.args.map(inline).join(', ')}${item.close ?? ')'}`;
}

function renderItem(indent: string, item: Item, tail: string): string {
  const one = `${indent}${inline(item)}${tail}`;
  if (typeof item === 'string' || (one.length <= LINE_LENGTH && !one.includes('\n'))) return one;
  return wrap(indent, item.head, item.args, tail, item.open ?? '(', item.close ?? ')');
}

/**
 * `head(item, item)` + tail on one line when it fits in LINE_LENGTH, else one item per line with a trailing comma
 * (a nested call that still does not fit is split the same way).
 */
export function wrap(indent: string, head: string, items: Item[], tail = '', open = '(', close = ')'): string {
  const one = `${indent}${head}${open}${items.map(inline).join(', ')}${close}${tail}`;
  if (one.length <= LINE_LENGTH && !one.includes('\n')) return one;
  if (items.length === 0) return one;
  const inner = `${indent}    `;
  return `${indent}${head}${open}\n${items.map((i) => `${renderItem(inner, i, ',')}\n`).join('')}${indent}${close}${tail}`;
}

/**
 * `lhs = atom` as ruff writes it: on one line when it fits; else the atom in parentheses on its own line when that
 * makes it fit, or when the target is annotated with a subscript (ruff then prefers the parentheses); else as is.
 */
export function assignAtom(indent: string, lhs: string, atom: string): string {
  const one = `${indent}${lhs} = ${atom}`;
  if (one.length <= LINE_LENGTH) return one;
  if (`${indent}    ${atom}`.length <= LINE_LENGTH || lhs.includes('[')) {
    return `${indent}${lhs} = (\n${indent}    ${atom}\n${indent})`;
  }
  return one;
}

/**
 * A call with one argument and no trailing comma, as ruff splits it: on one line when it fits, else the argument on
 * its own indented line.
 */
export function hug(indent: string, head: string, arg: string): string {
  const one = `${indent}${head}(${arg})`;
  if (one.length <= LINE_LENGTH) return one;
  return `${indent}${head}(\n${indent}    ${arg}\n${indent})`;
}

/** A one-element tuple `(item,)`: on one line when it fits, else the item's own call is exploded inside. */
export function singleTuple(indent: string, head: string, callHead: string, callArgs: string[], tail = ''): string {
  const one = `${indent}${head}(${callHead}(${callArgs.join(', ')}),)${tail}`;
  if (one.length <= LINE_LENGTH) return one;
  return `${indent}${head}(\n${wrap(`${indent}    `, callHead, callArgs, ',')}\n${indent})${tail}`;
}

/** Always exploded (for lists whose items are user strings of any length). */
export function exploded(indent: string, head: string, items: Item[], tail = '', open = '(', close = ')'): string {
  if (items.length === 0) return `${indent}${head}${open}${close}${tail}`;
  const inner = `${indent}    `;
  return `${indent}${head}${open}\n${items.map((i) => `${renderItem(inner, i, ',')}\n`).join('')}${indent}${close}${tail}`;
}

/** ruff isort's member order (order-by-type): CONSTANTS, then Classes, then functions, each case-insensitively. */
export function sortMembers(names: Iterable<string>): string[] {
  const kind = (n: string) => (n.length > 1 && n === n.toUpperCase() ? 0 : /^[A-Z]/.test(n) ? 1 : 2);
  return [...new Set(names)].sort((a, b) => {
    const k = kind(a) - kind(b);
    if (k !== 0) return k;
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
  });
}

/** Collects imports and writes them in isort's sections: stdlib, third party, first party. */
export class Imports {
  private readonly froms = new Map<string, Set<string>>();
  private readonly plain = new Set<string>();

  from(module: string, ...names: string[]): this {
    let set = this.froms.get(module);
    if (!set) {
      set = new Set();
      this.froms.set(module, set);
    }
    for (const n of names) set.add(n);
    return this;
  }

  import(module: string): this {
    this.plain.add(module);
    return this;
  }

  render(): string {
    const sections: Record<'future' | 'std' | 'third' | 'first', string[]> = {
      future: [],
      std: [],
      third: [],
      first: [],
    };
    const sectionOf = (module: string): keyof typeof sections => {
      const top = module.split('.')[0] ?? module;
      if (top === '__future__') return 'future';
      if (STDLIB.has(top)) return 'std';
      if (top === 'app' || top === 'tests') return 'first';
      return 'third';
    };
    const modules = (list: string[]) => [...list].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
    for (const m of modules([...this.plain])) sections[sectionOf(m)].push(`import ${m}`);
    for (const m of modules([...this.froms.keys()])) {
      const all = [...(this.froms.get(m) ?? [])];
      // isort keeps `import X as Y` members on lines of their own, after the plain ones.
      const names = sortMembers(all.filter((n) => !n.includes(' as ')));
      const aliased = sortMembers(all.filter((n) => n.includes(' as ')));
      const statements: { first: string; text: string }[] = [];
      if (names.length > 0) {
        const one = `from ${m} import ${names.join(', ')}`;
        const text = one.length <= LINE_LENGTH ? one : exploded('', `from ${m} import `, names);
        statements.push({ first: names[0] ?? '', text });
      }
      for (const a of aliased) {
        const one = `from ${m} import ${a}`;
        const text = one.length <= LINE_LENGTH ? one : exploded('', `from ${m} import `, [a]);
        statements.push({ first: a.split(' as ')[0] ?? a, text });
      }
      // Statements of one module are ordered by their first member, as isort orders members.
      const order = sortMembers(statements.map((st) => st.first));
      statements.sort((x, y) => order.indexOf(x.first) - order.indexOf(y.first));
      for (const st of statements) sections[sectionOf(m)].push(st.text);
    }
    return (['future', 'std', 'third', 'first'] as const)
      .map((s) => sections[s])
      .filter((lines) => lines.length > 0)
      .map((lines) => lines.join('\n'))
      .join('\n\n');
  }
}

const STDLIB = new Set([
  'collections',
  'datetime',
  'decimal',
  'functools',
  'itertools',
  'os',
  'pathlib',
  'typing',
  'uuid',
  'logging',
]);

/** A module: docstring, imports, then top-level blocks separated by two blank lines (PEP 8, ruff format). */
export function pyModule(docstring: string, imports: Imports | undefined, blocks: string[]): string {
  const parts: string[] = [`"""${docstring}"""`];
  const rendered = imports?.render();
  if (rendered) parts.push(rendered);
  let out = parts.join('\n\n');
  let first = true;
  for (const block of blocks) {
    const trimmed = block.replace(/\n+$/, '');
    if (trimmed === '') continue;
    // isort: one blank line after the imports, two before a class or function (PEP 8 around definitions).
    const definition = /^(class |def |@)/.test(trimmed);
    out += first && rendered && !definition ? `\n\n${trimmed}` : `\n\n\n${trimmed}`;
    first = false;
  }
  return `${out}\n`;
}
