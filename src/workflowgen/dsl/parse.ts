import { type Document, isCollection, isNode, LineCounter, parseDocument } from 'yaml';
import { type Issue, issue } from './issues.ts';

export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
/** Aliases a document may expand; real exports use none or a handful (PyYAML anchors repeated objects). */
export const DEFAULT_MAX_ALIAS_COUNT = 100;

export interface ParseOptions {
  maxBytes?: number;
  maxAliasCount?: number;
}

export interface ParsedYaml {
  value: unknown;
  issues: Issue[];
  /** Line and column of the YAML node at a JSON pointer (or of its nearest existing parent). */
  locate(path: string): { line: number; column: number } | undefined;
}

/** Parses untrusted YAML: size limit first, then syntax with positions, then alias expansion with a limit. */
export function parseYaml(text: string, options: ParseOptions = {}): ParsedYaml {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxAliasCount = options.maxAliasCount ?? DEFAULT_MAX_ALIAS_COUNT;
  const none = { value: undefined, locate: () => undefined };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    return {
      ...none,
      issues: [
        issue(
          'input.too-large',
          '',
          `the file is ${bytes} bytes; the limit is ${maxBytes} bytes (Dify's own DSL limit is 10 MB)`,
        ),
      ],
    };
  }
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  } catch (error) {
    return { ...none, issues: [issue('yaml.syntax', '', `the YAML cannot be read: ${(error as Error).message}`)] };
  }
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      const duplicate = e.code === 'DUPLICATE_KEY';
      const found = issue(
        duplicate ? 'yaml.duplicate-key' : 'yaml.syntax',
        '',
        `${duplicate ? 'a key appears twice in one mapping: remove or rename one' : 'malformed YAML'}${
          pos ? ` at line ${pos.line}, column ${pos.col}` : ''
        }: ${e.message.split('\n')[0]}`,
      );
      if (pos) {
        found.line = pos.line;
        found.column = pos.col;
      }
      return found;
    });
    return { ...none, issues };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount });
  } catch (error) {
    const message = (error as Error).message;
    if (/alias/i.test(message)) {
      return {
        ...none,
        issues: [
          issue(
            'yaml.alias-limit',
            '',
            `the YAML expands anchors/aliases beyond the limit of ${maxAliasCount} (a "YAML bomb"); write the values out instead of aliasing them`,
          ),
        ],
      };
    }
    return { ...none, issues: [issue('yaml.syntax', '', `the YAML cannot be read: ${message}`)] };
  }
  const locate = (path: string) => {
    const segments = path
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    for (let n = segments.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(segments.slice(0, n), true);
      if (isNode(node) && node.range) {
        const pos = lineCounter.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
      if (n > 0 && isCollection(node)) continue;
    }
    return undefined;
  };
  return { value, issues: [], locate };
}
