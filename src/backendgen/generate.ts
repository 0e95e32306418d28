import fs from 'node:fs';
import path from 'node:path';
import { create as createTar } from 'tar';
import type { GeneratedFile } from './targets/types.ts';

/** Writes generated files under `dir` (which must be empty or absent unless `force`). Paths never leave `dir`. */
export function writeProject(dir: string, files: readonly GeneratedFile[]): void {
  const root = path.resolve(dir);
  for (const f of files) {
    const target = path.resolve(root, f.path);
    if (!target.startsWith(`${root}${path.sep}`)) throw new Error(`generated path leaves the project: ${f.path}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, f.content, { mode: f.executable ? 0o755 : 0o644 });
  }
}

export function countLines(files: readonly GeneratedFile[]): number {
  return files.reduce((n, f) => n + (f.content.match(/\n/g)?.length ?? 0), 0);
}

/**
 * A gzipped tar of the generated files under a top-level folder, with fixed owners and times so the same files
 * give the same archive contents.
 */
export async function archiveProject(dir: string, folder: string, files: readonly GeneratedFile[]): Promise<Buffer> {
  const staging = path.join(dir, '..', `.archive-${path.basename(dir)}`);
  fs.rmSync(staging, { recursive: true, force: true });
  writeProject(path.join(staging, folder), files);
  const chunks: Buffer[] = [];
  const stream = createTar(
    { gzip: true, cwd: staging, portable: true, mtime: new Date('2000-01-01T00:00:00Z'), noDirRecurse: false },
    [folder],
  );
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  fs.rmSync(staging, { recursive: true, force: true });
  return Buffer.concat(chunks);
}
