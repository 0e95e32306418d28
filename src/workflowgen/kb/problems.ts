import { type FieldError, OrbitError } from '../../platform/errors.ts';
import type { Issue } from '../dsl/index.ts';

/** One DSL finding as a problem's field error: `pointer` points into the DSL document, not into the request. */
export interface DslFieldError extends FieldError {
  rule: string;
  line?: number;
  column?: number;
}

export function toFieldErrors(issues: readonly Issue[]): DslFieldError[] {
  return issues.map((i) => ({
    pointer: i.path,
    message: i.message,
    rule: i.rule,
    ...(i.line === undefined ? {} : { line: i.line, column: i.column ?? 1 }),
  }));
}

/** "line 3, column 7: message" — where a person looks first. */
export function describeIssue(issue: Issue): string {
  const where = issue.line === undefined ? '' : `line ${issue.line}, column ${issue.column ?? 1}: `;
  return `${where}${issue.message} [${issue.rule}]${issue.path ? ` at ${issue.path}` : ''}`;
}

/** Findings of the parser itself: the text is not a YAML document Orbit will read at all. */
export function isUnreadable(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.rule.startsWith('yaml.') || i.rule === 'input.too-large');
}

/** A DSL that cannot be read (400, or 413 when too large); the detail names the first problem with its position. */
export function unreadableDslError(issues: readonly Issue[]): OrbitError {
  const first = issues[0];
  const tooLarge = issues.some((i) => i.rule === 'input.too-large');
  return new OrbitError(
    tooLarge ? 'dsl-too-large' : 'malformed-yaml',
    tooLarge ? 413 : 400,
    `The DSL is not readable YAML: ${first ? describeIssue(first) : 'unknown problem'}.`,
    { errors: toFieldErrors(issues) },
  );
}

/** A readable DSL that fails validation (400), with every error. */
export class InvalidWorkflowError extends OrbitError {
  constructor(
    readonly issues: readonly Issue[],
    readonly warnings: readonly Issue[] = [],
  ) {
    const first = issues[0];
    super(
      'invalid-workflow',
      400,
      `The workflow DSL is invalid (${issues.length} error${issues.length === 1 ? '' : 's'}); first: ${first ? describeIssue(first) : 'unknown problem'}. Fix it (\`orbit workflow validate FILE\` lists every error) and send it again.`,
      { errors: toFieldErrors(issues) },
    );
    this.name = 'InvalidWorkflowError';
  }
}
