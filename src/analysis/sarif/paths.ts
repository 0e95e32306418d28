import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type RelativePathResult = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Turns whatever a tool printed (absolute path, file:// URI, relative path, Windows separators)
 * into a repo-relative POSIX path, or explains why it cannot be one (outside the repository, `..`).
 */
export function toRepoRelativePath(file: string, repoRoot: string): RelativePathResult {
  const trimmed = file.trim();
  if (trimmed === '') return { ok: false, reason: 'empty path' };
  let native = trimmed;
  if (/^file:/i.test(trimmed)) {
    try {
      native = fileURLToPath(trimmed);
    } catch {
      return { ok: false, reason: `unreadable file URI ${JSON.stringify(trimmed)}` };
    }
  } else if (/^[a-z][a-z0-9+.-]+:\/\//i.test(trimmed)) {
    return { ok: false, reason: `not a local path: ${JSON.stringify(trimmed)}` };
  }
  const slashed = native.replaceAll('\\', '/');
  const root = path.posix.resolve(repoRoot.replaceAll('\\', '/'));
  const relative = path.posix.isAbsolute(slashed)
    ? path.posix.relative(root, path.posix.normalize(slashed))
    : path.posix.normalize(slashed);
  if (relative === '' || relative === '.') return { ok: false, reason: `path is the repository root itself` };
  if (relative === '..' || relative.startsWith('../') || path.posix.isAbsolute(relative)) {
    return { ok: false, reason: `path outside the repository: ${JSON.stringify(trimmed)}` };
  }
  return { ok: true, path: relative.replace(/^\.\//, '') };
}

/** Encodes a relative POSIX path as a relative URI reference (spaces, `#`, `%` and non-ASCII escaped). */
export function relativePathToUri(relativePath: string): string {
  return relativePath
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/** Inverse of relativePathToUri. */
export function uriToRelativePath(uri: string): string {
  return uri
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
}

/** file:///abs/repo/ — the SRCROOT base, always with a trailing slash as SARIF requires for a base. */
export function repoRootUri(repoRoot: string): string {
  const href = pathToFileURL(path.resolve(repoRoot)).href;
  return href.endsWith('/') ? href : `${href}/`;
}
