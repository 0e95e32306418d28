/** One finding of the validator. `rule` is a stable id (documented in docs/workflows.md), `path` a JSON pointer. */
export interface Issue {
  rule: string;
  path: string;
  message: string;
  /** 1-based position in the YAML text, when the path could be located there. */
  line?: number;
  column?: number;
}

export function issue(rule: string, path: string, message: string): Issue {
  return { rule, path, message };
}

/** Escapes one JSON-pointer segment (RFC 6901). */
export function escapePointer(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointer(...segments: (string | number)[]): string {
  return segments.map((s) => `/${escapePointer(s)}`).join('');
}

/** Human-readable lines for a terminal: `error  12:5  /workflow/graph/edges/3/target  message  [rule]`. */
export function formatIssues(issues: readonly Issue[], options: { severity?: string; file?: string } = {}): string {
  const severity = options.severity ?? 'error';
  return issues
    .map((i) => {
      const where = i.line === undefined ? '' : `${options.file ? `${options.file}:` : ''}${i.line}:${i.column ?? 1}  `;
      return `${severity}  ${where}${i.path || '/'}  ${i.message}  [${i.rule}]`;
    })
    .join('\n');
}
