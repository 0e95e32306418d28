/**
 * Strings that match (and one that does not match) a column's `pattern`, so the generated tests can create valid rows
 * and prove the pattern is enforced. Handles the usual subset (literals, escapes \d \w \s, classes, `.`, groups,
 * alternation, quantifiers, anchors); every candidate is checked with a real regular expression before it is used.
 */

type Node =
  | { kind: 'chars'; options: string[] }
  | { kind: 'group'; alternatives: Node[][] }
  | { kind: 'repeat'; node: Node; min: number; max: number }
  | { kind: 'anchor' };

const DIGITS = '0123456789';
const WORD = `abcdefghijklmnopqrstuvwxyz${DIGITS}ABCDEFGHIJKLMNOPQRSTUVWXYZ_`;
const PRINTABLE = `${WORD}-.`;

function range(from: string, to: string): string[] {
  const out: string[] = [];
  for (let c = from.charCodeAt(0); c <= to.charCodeAt(0) && out.length < 200; c++) out.push(String.fromCharCode(c));
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): Node[][] {
    const alts = this.alternatives();
    if (this.i < this.src.length) throw new Error('unbalanced');
    return alts;
  }

  private alternatives(): Node[][] {
    const alts: Node[][] = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      alts.push(this.sequence());
    }
    return alts;
  }

  private sequence(): Node[] {
    const seq: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const atom = this.atom();
      seq.push(this.quantified(atom));
    }
    return seq;
  }

  private quantified(node: Node): Node {
    const ch = this.src[this.i];
    let q: { min: number; max: number } | undefined;
    if (ch === '*') q = { min: 0, max: 8 };
    else if (ch === '+') q = { min: 1, max: 8 };
    else if (ch === '?') q = { min: 0, max: 1 };
    else if (ch === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (m) {
        const min = Number(m[1]);
        const max = m[2] === undefined ? min : m[3] === '' ? min + 8 : Number(m[3]);
        this.i += m[0].length - 1;
        q = { min, max };
      }
    }
    if (!q) return node;
    this.i++;
    if (this.src[this.i] === '?' || this.src[this.i] === '+') this.i++;
    return { kind: 'repeat', node, ...q };
  }

  private escape(): string[] {
    const ch = this.src[this.i++] ?? '';
    switch (ch) {
      case 'd':
        return DIGITS.split('');
      case 'w':
        return WORD.split('');
      case 's':
        return [' '];
      case 'D':
      case 'W':
      case 'S':
        return ['-', '!'];
      case 'n':
        return ['\n'];
      case 't':
        return ['\t'];
      default:
        if (/[A-Za-z0-9]/.test(ch)) throw new Error(`unsupported escape \\${ch}`);
        return [ch];
    }
  }

  private atom(): Node {
    const ch = this.src[this.i++] ?? '';
    if (ch === '^' || ch === '$') return { kind: 'anchor' };
    if (ch === '.') return { kind: 'chars', options: PRINTABLE.split('') };
    if (ch === '\\') return { kind: 'chars', options: this.escape() };
    if (ch === '(') {
      if (this.src[this.i] === '?') {
        if (this.src[this.i + 1] !== ':') throw new Error('unsupported group');
        this.i += 2;
      }
      const alternatives = this.alternatives();
      if (this.src[this.i++] !== ')') throw new Error('unbalanced');
      return { kind: 'group', alternatives };
    }
    if (ch === '[') return { kind: 'chars', options: this.cls() };
    if ('*+?{'.includes(ch) && ch !== '{') throw new Error('nothing to repeat');
    return { kind: 'chars', options: [ch] };
  }

  private cls(): string[] {
    let negated = false;
    if (this.src[this.i] === '^') {
      negated = true;
      this.i++;
    }
    const set: string[] = [];
    let first = true;
    while (this.i < this.src.length && (this.src[this.i] !== ']' || first)) {
      first = false;
      let items: string[];
      const ch = this.src[this.i++] ?? '';
      if (ch === '\\') items = this.escape();
      else items = [ch];
      if (
        items.length === 1 &&
        this.src[this.i] === '-' &&
        this.src[this.i + 1] !== ']' &&
        this.i + 1 < this.src.length
      ) {
        this.i++;
        let to = this.src[this.i++] ?? '';
        if (to === '\\') to = this.escape()[0] ?? '';
        set.push(...range(items[0] ?? '', to));
      } else set.push(...items);
    }
    if (this.src[this.i++] !== ']') throw new Error('unbalanced class');
    if (!negated) return set;
    return PRINTABLE.split('').filter((c) => !set.includes(c));
  }
}

/** One string from the pattern; `seed` varies character choices, `extra` lengthens unbounded repeats. */
function build(nodes: Node[], seed: number, extra: number): string {
  let out = '';
  let position = 0;
  const walk = (list: Node[]) => {
    for (const node of list) {
      switch (node.kind) {
        case 'anchor':
          break;
        case 'chars': {
          const options = node.options;
          // Vary the last characters first, so consecutive seeds give strings that sort in seed order.
          out += options[(seed + position) % options.length] ?? '';
          position++;
          break;
        }
        case 'group':
          walk(node.alternatives[0] ?? []);
          break;
        case 'repeat': {
          const times = Math.min(node.max, node.min + extra);
          for (let k = 0; k < times; k++) walk([node.node]);
          break;
        }
      }
    }
  };
  walk(nodes);
  return out;
}

export interface PatternSamples {
  /** Distinct matching strings within the length bounds (may be fewer than asked for, even none). */
  valid: string[];
  /** A string within the length bounds that does not match, if one was found. */
  invalid?: string;
}

function lengthOk(value: string, minLength: number, maxLength: number): boolean {
  const n = [...value].length;
  return n >= minLength && n <= maxLength;
}

/** Matching and non-matching samples for `pattern` (search semantics, as Pydantic and JSON Schema use). */
export function patternSamples(pattern: string, count: number, minLength = 0, maxLength = 255): PatternSamples {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch {
    return { valid: [] };
  }
  const valid = new Set<string>();
  let parsed: Node[][] | undefined;
  try {
    parsed = new Parser(pattern).parse();
  } catch {
    parsed = undefined;
  }
  if (parsed) {
    for (let extra = 0; extra < 12 && valid.size < count; extra++) {
      for (const alternative of parsed) {
        for (let seed = 0; seed < count * 4 && valid.size < count; seed++) {
          const candidate = build(alternative, seed, extra);
          if (regex.test(candidate) && lengthOk(candidate, minLength, maxLength)) valid.add(candidate);
        }
      }
    }
  }
  const invalidCandidates = ['!', ' ', '', '0', 'a', 'A', '_', '-', '~~', '\u00e9'];
  let invalid: string | undefined;
  for (const base of invalidCandidates) {
    const padded = base === '' ? '' : base.repeat(Math.max(1, minLength));
    for (const candidate of [padded, base]) {
      if (!regex.test(candidate) && lengthOk(candidate, minLength, maxLength)) {
        invalid = candidate;
        break;
      }
    }
    if (invalid !== undefined) break;
  }
  return { valid: [...valid].sort(), ...(invalid === undefined ? {} : { invalid }) };
}
