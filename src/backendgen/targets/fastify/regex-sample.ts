/**
 * Strings that match a column's `pattern`, for the generated tests' sample rows: a small generator over the common
 * ECMAScript regex syntax (literals, escapes, classes, groups, alternation, quantifiers, anchors). Every candidate is
 * checked with the real RegExp (with the `u` flag, as Ajv compiles patterns), so an unsupported construct can only
 * give fewer samples, never a wrong one.
 */

type Node =
  | { kind: 'chars'; chars: string[] }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; options: Node[] }
  | { kind: 'repeat'; node: Node; min: number; max: number }
  | { kind: 'empty' };

class Unsupported extends Error {}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
/** Preferred order of characters when a set offers a choice: letters and digits first, as a person would write. */
const PREFERENCE = [...LOWER, ...DIGITS, ...UPPER, ...PRINTABLE];

function ordered(set: Set<string>): string[] {
  const out = PREFERENCE.filter((c) => set.has(c));
  for (const c of set) if (!out.includes(c)) out.push(c);
  return [...new Set(out)];
}

function classEscape(c: string): string[] | undefined {
  switch (c) {
    case 'd':
      return [...DIGITS];
    case 'w':
      return [...LOWER, ...DIGITS, ...UPPER, '_'];
    case 's':
      return [' '];
    case 'D':
      return PRINTABLE.filter((x) => !DIGITS.includes(x));
    case 'W':
      return PRINTABLE.filter((x) => !/\w/.test(x));
    case 'S':
      return PRINTABLE.filter((x) => x !== ' ');
    default:
      return undefined;
  }
}

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.i < this.src.length) throw new Unsupported(`unexpected ${this.src[this.i]}`);
    return node;
  }

  private peek(): string | undefined {
    return this.src[this.i];
  }

  private alternation(): Node {
    const options = [this.sequence()];
    while (this.peek() === '|') {
      this.i++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0]! : { kind: 'alt', options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      const atom = this.atom();
      items.push(this.quantified(atom));
    }
    return { kind: 'seq', items };
  }

  private quantified(atom: Node): Node {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Number.POSITIVE_INFINITY];
    else if (c === '+') [min, max] = [1, Number.POSITIVE_INFINITY];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) return atom;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
      this.i += m[0].length - 1;
    } else return atom;
    this.i++;
    if (this.peek() === '?') this.i++;
    return this.quantified({ kind: 'repeat', node: atom, min, max });
  }

  private atom(): Node {
    const c = this.src[this.i++]!;
    switch (c) {
      case '^':
      case '$':
        return { kind: 'empty' };
      case '.':
        return { kind: 'chars', chars: [...LOWER, ...DIGITS] };
      case '(': {
        if (this.src.startsWith('?:', this.i)) this.i += 2;
        else if (this.src.startsWith('?<', this.i) && !/^\?<[=!]/.test(this.src.slice(this.i))) {
          const end = this.src.indexOf('>', this.i);
          if (end < 0) throw new Unsupported('group name');
          this.i = end + 1;
        } else if (this.peek() === '?') throw new Unsupported('lookaround');
        const inner = this.alternation();
        if (this.src[this.i++] !== ')') throw new Unsupported('unclosed group');
        return inner;
      }
      case '[':
        return this.charClass();
      case '\\':
        return this.escape();
      default:
        return { kind: 'chars', chars: [c] };
    }
  }

  private escapedChar(): string | string[] {
    const c = this.src[this.i++];
    if (c === undefined) throw new Unsupported('trailing backslash');
    const cls = classEscape(c);
    if (cls) return cls;
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', '0': '\0' };
    if (simple[c] !== undefined) return simple[c];
    if (c === 'x') {
      const hex = this.src.slice(this.i, this.i + 2);
      this.i += 2;
      return String.fromCharCode(Number.parseInt(hex, 16));
    }
    if (c === 'u') {
      if (this.peek() === '{') {
        const end = this.src.indexOf('}', this.i);
        const cp = Number.parseInt(this.src.slice(this.i + 1, end), 16);
        this.i = end + 1;
        return String.fromCodePoint(cp);
      }
      const hex = this.src.slice(this.i, this.i + 4);
      this.i += 4;
      return String.fromCharCode(Number.parseInt(hex, 16));
    }
    if (/[1-9bBkpPc]/.test(c)) throw new Unsupported(`\\${c}`);
    return c;
  }

  private escape(): Node {
    const e = this.escapedChar();
    return { kind: 'chars', chars: typeof e === 'string' ? [e] : e };
  }

  private charClass(): Node {
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.i++;
    }
    const set = new Set<string>();
    let first = true;
    while (this.i < this.src.length && (this.peek() !== ']' || first)) {
      first = false;
      let item: string | string[];
      if (this.peek() === '\\') {
        this.i++;
        item = this.escapedChar();
      } else item = this.src[this.i++]!;
      if (
        typeof item === 'string' &&
        this.peek() === '-' &&
        this.src[this.i + 1] !== ']' &&
        this.i + 1 < this.src.length
      ) {
        this.i++;
        let to: string | string[];
        if (this.peek() === '\\') {
          this.i++;
          to = this.escapedChar();
        } else to = this.src[this.i++]!;
        if (typeof to !== 'string') throw new Unsupported('range to a class');
        const a = item.codePointAt(0)!;
        const b = to.codePointAt(0)!;
        for (let cp = a; cp <= b && cp - a < 2000; cp++) set.add(String.fromCodePoint(cp));
      } else if (typeof item === 'string') set.add(item);
      else for (const x of item) set.add(x);
    }
    if (this.src[this.i++] !== ']') throw new Unsupported('unclosed class');
    const chars = negate ? PREFERENCE.filter((c) => !set.has(c)) : ordered(set);
    if (chars.length === 0) throw new Unsupported('empty class');
    return { kind: 'chars', chars: [...new Set(chars)] };
  }
}

/** Builds one string: `variant` picks among choices (mixed radix, least significant first), `extra` adds repetitions. */
function build(node: Node, state: { variant: number }, extra: number): string {
  switch (node.kind) {
    case 'empty':
      return '';
    case 'chars': {
      const n = node.chars.length;
      const pick = node.chars[state.variant % n]!;
      state.variant = Math.floor(state.variant / n);
      return pick;
    }
    case 'seq':
      return node.items.map((item) => build(item, state, extra)).join('');
    case 'alt': {
      const n = node.options.length;
      const option = node.options[state.variant % n]!;
      state.variant = Math.floor(state.variant / n);
      return build(option, state, extra);
    }
    case 'repeat': {
      const count = node.min + Math.min(extra, node.max - node.min);
      let out = '';
      for (let k = 0; k < count; k++) out += build(node.node, state, extra);
      return out;
    }
  }
}

export interface StringBounds {
  minLength: number;
  maxLength: number;
}

/** Up to `want` distinct strings matching `pattern` within the bounds, in a stable order ([] when none are found). */
export function patternSamples(pattern: string, bounds: StringBounds, want: number): string[] {
  let regex: RegExp;
  let tree: Node;
  try {
    regex = new RegExp(pattern, 'u');
    tree = new Parser(pattern).parse();
  } catch {
    return [];
  }
  const found: string[] = [];
  const seen = new Set<string>();
  for (const extra of [0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64]) {
    for (let variant = 0; variant < 400 && found.length < want; variant++) {
      const s = build(tree, { variant }, extra);
      const length = [...s].length;
      if (seen.has(s) || length < bounds.minLength || length > bounds.maxLength || !regex.test(s)) continue;
      seen.add(s);
      found.push(s);
    }
    if (found.length >= want) break;
  }
  return found;
}

/** A short string that does NOT match `pattern` (preferring one that respects the length bounds), or undefined. */
export function patternCounterexample(pattern: string, bounds: StringBounds): string | undefined {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
  const base = ['!', '-', ' ', '@', '0', 'a', 'A', '_', '.', '~'];
  const candidates: string[] = [];
  for (let len = Math.max(bounds.minLength, 1); len <= Math.min(bounds.maxLength, bounds.minLength + 4); len++) {
    for (const c of base) candidates.push(c.repeat(len));
  }
  for (const c of base) candidates.push(c);
  candidates.push('');
  const fits = (s: string) => s.length >= bounds.minLength && s.length <= bounds.maxLength;
  return candidates.find((s) => fits(s) && !regex.test(s)) ?? candidates.find((s) => !regex.test(s));
}
