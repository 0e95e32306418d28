/**
 * Escapers for everything user-written that reaches generated Python, TOML and Markdown. Identifiers are already
 * validated (^[a-z][a-z0-9_]*$, no reserved words); every other string (descriptions, defaults, enum values,
 * patterns) goes through one of these, never through concatenation.
 */

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/** One code point as it appears inside a Python string literal delimited by `quote`. */
function pyChar(ch: string, quote: '"' | "'"): string {
  const code = ch.codePointAt(0) ?? 0;
  if (ch === '\\') return '\\\\';
  if (ch === quote) return `\\${quote}`;
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  if (code < 0x20 || (code >= 0x7f && code <= 0xff)) return `\\x${hex(code, 2)}`;
  if (code > 0xff && code <= 0xffff) return `\\u${hex(code, 4)}`;
  if (code > 0xffff) return `\\U${hex(code, 8)}`;
  return ch;
}

/**
 * A Python string literal with the value `value`, ASCII only (every other character escaped), so no user text can
 * end the literal, start a new line or hide a character. The quote character is the one `ruff format` keeps:
 * double quotes unless that needs more escapes than single quotes.
 */
export function pyStr(value: string): string {
  let doubles = 0;
  let singles = 0;
  for (const ch of value) {
    if (ch === '"') doubles++;
    else if (ch === "'") singles++;
  }
  const quote = doubles > singles ? "'" : '"';
  let out = '';
  for (const ch of value) out += pyChar(ch, quote);
  return `${quote}${out}${quote}`;
}

/** A JSON value as a Python expression; containers are written exploded with trailing commas (format-stable). */
export function pyJson(value: unknown, indent: string): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('not a finite number');
    return Number.isInteger(value) && Math.abs(value) < 1e21 ? BigInt(value).toString() : pyFloat(value);
  }
  if (typeof value === 'string') return pyStr(value);
  const inner = `${indent}    `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => `${inner}${pyJson(v, inner)},\n`).join('')}${indent}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${pyStr(k)}: ${pyJson(v, inner)},\n`).join('')}${indent}}`;
  }
  throw new Error(`not a JSON value: ${typeof value}`);
}

/** A float literal Python reads back exactly (JavaScript's shortest round-trip form, in Python's spelling). */
export function pyFloat(value: number): string {
  const text = String(value);
  if (/[.e]/.test(text)) return text.replace('e+', 'e');
  return `${text}.0`;
}

/** A TOML basic string. */
export function tomlStr(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\u${hex(code, 4).toUpperCase()}`;
    else out += ch;
  }
  return `"${out}"`;
}

/** User text on one Markdown line: no line breaks, no HTML, no code fences. */
export function markdownLine(value: string): string {
  const oneLine = [...value]
    .map((ch) => {
      const code = ch.codePointAt(0) ?? 0;
      return code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029 ? ' ' : ch;
    })
    .join('');
  return oneLine.replace(/[\\`*_[\]<>#|]/g, (ch) => `\\${ch}`).trim();
}

/** snake_case to UPPER_SNAKE (constants). */
export function upper(name: string): string {
  return name.toUpperCase();
}
