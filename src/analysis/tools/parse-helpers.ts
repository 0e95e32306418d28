import fs from 'node:fs';
import path from 'node:path';
import { ToolOutputError } from './descriptor.ts';

/** A tool's path made repo-relative (POSIX) when it lies inside the repository; otherwise returned unchanged. */
export function repoPath(file: string, repoRoot: string): string {
  const absolute = path.isAbsolute(file) ? file : path.join(repoRoot, file);
  const rel = path.relative(repoRoot, absolute);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return file;
  return rel.split(path.sep).join('/');
}

/** JSON from a tool's stdout, or a ToolOutputError naming the tool and what it printed instead. */
export function parseJson(tool: string, text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') throw new ToolOutputError(`${tool} printed no report`);
  try {
    return JSON.parse(trimmed);
  } catch (err) {
    throw new ToolOutputError(`${tool} printed no JSON report (${(err as Error).message}): ${trimmed.slice(0, 200)}`);
  }
}

/** Non-blank lines of a text report. */
export function lines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim() !== '');
}

/** A column that must be ≥ 1 after shifting a 0-based value, or undefined (never a 0). */
export function oneBased(column: unknown): number | undefined {
  return typeof column === 'number' && Number.isInteger(column) && column >= 0 ? column + 1 : undefined;
}

/** A 1-based value passed through when valid, dropped otherwise. */
export function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** One line of a repository file (1-based), for tools that do not report columns. */
export function sourceLine(repoRoot: string, file: string, line: number): string | undefined {
  try {
    const text = fs.readFileSync(path.isAbsolute(file) ? file : path.join(repoRoot, file), 'utf8');
    return text.split(/\r?\n/)[line - 1];
  } catch {
    return undefined;
  }
}
