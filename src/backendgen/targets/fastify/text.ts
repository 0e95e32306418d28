/**
 * Escaping for everything a user wrote that reaches a generated file. Strings become literals only through
 * `tsString`/`sqlString`; free text only reaches `//` comments through `oneLine`, which cannot end early.
 */

/**
 * A single-quoted TypeScript string literal made from JSON.stringify's escaping (every JSON escape is valid in a JS
 * string): `\"` becomes `"`, `'` becomes `\'`, and the two line separators are spelled as escapes.
 */
export function tsString(value: string): string {
  const json = JSON.stringify(value).slice(1, -1);
  const body = json.replace(/\\([\s\S])|'/g, (match: string, escaped: string | undefined) =>
    escaped === '"' ? '"' : match === "'" ? "\\'" : match,
  );
  return `'${body.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')}'`;
}

/** Any JSON value as a TypeScript expression (objects, arrays, numbers, booleans, null). */
export function tsValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  return (JSON.stringify(value) ?? 'null').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Text for a `//` comment (or a Markdown/SQL line): every line break, which would end the comment, becomes a space. */
export function oneLine(text: string): string {
  return text
    .replace(/[\r\n\u2028\u2029\u0085]+/g, ' ')
    .replace(/\*\//g, '*\\/')
    .trim();
}

/**
 * A PostgreSQL escape-string literal (E'...'). Backslashes and quotes are escaped, control characters are spelled as
 * escapes, and `>` is written `\x3e` so that no literal can contain drizzle's `--> statement-breakpoint` separator.
 */
export function sqlString(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '>') out += '\\x3e';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `E'${out}'`;
}

/** A double-quoted SQL identifier. Model identifiers are ^[a-z][a-z0-9_]*$, but quoting keeps any name inert. */
export function sqlIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function camel(snake: string): string {
  return snake.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function pascal(snake: string): string {
  const c = camel(snake);
  return c.charAt(0).toUpperCase() + c.slice(1);
}

/** FNV-1a, for short deterministic suffixes. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** PostgreSQL truncates identifiers at 63 bytes; long names get a stable hash suffix instead, so they stay distinct. */
export function pgName(name: string): string {
  if (name.length <= 63) return name;
  return `${name.slice(0, 54)}_${shortHash(name)}`;
}
