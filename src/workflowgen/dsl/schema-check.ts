import type { TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

export interface SchemaProblem {
  /** JSON pointer relative to the checked value. */
  path: string;
  message: string;
}

function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Checks a value against a TypeBox schema; one problem per path, at most `limit`. */
export function checkSchema(schema: TSchema, value: unknown, limit = 8): SchemaProblem[] {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  if (check.Check(value)) return [];
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of check.Errors(value)) {
    if (seen.has(error.path)) continue;
    seen.add(error.path);
    problems.push({ path: error.path, message: `${error.message.toLowerCase()}, found ${preview(error.value)}` });
    if (problems.length >= limit) break;
  }
  return problems;
}
