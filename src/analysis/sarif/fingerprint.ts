import { createHash } from 'node:crypto';

/** Key under result.partialFingerprints for Orbit's own fingerprint; bump the version if the recipe changes. */
export const ORBIT_FINGERPRINT_KEY = 'orbit/v1';
/** The key GitHub code scanning tracks alerts by (with repo, path and rule id). */
export const LINE_HASH_KEY = 'primaryLocationLineHash';
/** How many non-whitespace characters, starting at the flagged line, make up the hashed window. */
export const WINDOW_CHARS = 100;

export interface FingerprintInput {
  ruleId: string;
  message: string;
  /** Repo-relative path; absent for findings about the repository as a whole. */
  relPath?: string;
  startLine?: number;
  startColumn?: number;
}

export type ReadRepoFile = (relPath: string) => string | undefined;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The flagged line and what follows it, with every whitespace character removed, cut to WINDOW_CHARS.
 * Line numbers and the path never enter the hash, so lines inserted above, re-indentation, re-wrapping
 * and renames leave it unchanged; editing the flagged line or its next few statements changes it.
 */
export function contentWindow(lines: readonly string[], startLine: number): string | undefined {
  if (startLine < 1 || startLine > lines.length) return undefined;
  let window = '';
  for (let i = startLine - 1; i < lines.length && window.length < WINDOW_CHARS; i++) {
    window += (lines[i] ?? '').replace(/\s+/g, '');
  }
  return window.slice(0, WINDOW_CHARS);
}

function splitLines(content: string): string[] {
  return content.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
}

/**
 * Computes partialFingerprints for a batch of findings (one tool's run). Findings with the same hash
 * in the same file are told apart by an occurrence index in line order, as CodeQL does.
 */
export function computeFingerprints(
  items: readonly FingerprintInput[],
  readFile?: ReadRepoFile,
): Record<string, string>[] {
  const fileLines = new Map<string, string[] | undefined>();
  const linesOf = (relPath: string): string[] | undefined => {
    if (!fileLines.has(relPath)) {
      let content: string | undefined;
      try {
        content = readFile?.(relPath);
      } catch {
        content = undefined;
      }
      fileLines.set(relPath, content === undefined ? undefined : splitLines(content));
    }
    return fileLines.get(relPath);
  };

  const keyed = items.map((item, index) => {
    const lines = item.relPath === undefined ? undefined : linesOf(item.relPath);
    const window = lines && item.startLine !== undefined ? contentWindow(lines, item.startLine) : undefined;
    if (window !== undefined && window !== '') {
      const lineHash = sha256(window).slice(0, 16);
      return {
        index,
        item,
        lineHash,
        // The file is part of the occurrence group, not of the hash: a rename keeps the fingerprint.
        group: `${item.relPath}\0${item.ruleId}\0${lineHash}`,
        orbitHash: sha256(`${item.ruleId}\0content\0${window}`).slice(0, 32),
      };
    }
    // No readable content: fall back to rule + path + message (stable across inserted lines, not renames).
    const text = `${item.ruleId}\0message\0${item.relPath ?? ''}\0${item.message.replace(/\s+/g, ' ').trim()}`;
    const orbitHash = sha256(text).slice(0, 32);
    return { index, item, lineHash: undefined, group: `${item.relPath ?? ''}\0${orbitHash}`, orbitHash };
  });

  const groups = new Map<string, typeof keyed>();
  for (const entry of keyed) {
    const members = groups.get(entry.group) ?? [];
    members.push(entry);
    groups.set(entry.group, members);
  }
  const out: Record<string, string>[] = items.map(() => ({}));
  for (const members of groups.values()) {
    members.sort(
      (a, b) =>
        (a.item.startLine ?? 0) - (b.item.startLine ?? 0) ||
        (a.item.startColumn ?? 0) - (b.item.startColumn ?? 0) ||
        a.index - b.index,
    );
    members.forEach((entry, position) => {
      const occurrence = position + 1;
      const prints: Record<string, string> = { [ORBIT_FINGERPRINT_KEY]: `${entry.orbitHash}:${occurrence}` };
      if (entry.lineHash !== undefined) prints[LINE_HASH_KEY] = `${entry.lineHash}:${occurrence}`;
      out[entry.index] = prints;
    });
  }
  return out;
}
