import fs from 'node:fs';
import path from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import picomatch from 'picomatch';
import { defineTool, ToolError } from './define.ts';
import { inWorkspace, listFiles, looksBinary } from './files.ts';

const MAX_FILE_BYTES = 2 * 1024 * 1024;
const MAX_LINE_CHARS = 500;

const Parameters = Type.Object(
  {
    pattern: Type.String({ minLength: 1, description: 'JavaScript regular expression, e.g. "function\\s+load".' }),
    path: Type.Optional(Type.String({ description: 'File or directory to search, relative to the workspace.' })),
    glob: Type.Optional(Type.String({ description: 'Only files matching this glob, e.g. "*.ts" or "src/**/*.py".' })),
    ignoreCase: Type.Optional(Type.Boolean()),
    maxMatches: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, description: 'Default 200.' })),
  },
  { additionalProperties: false },
);

export const grepTool = defineTool<Static<typeof Parameters>>({
  name: 'grep',
  description:
    'Searches file contents of the workspace with a regular expression and prints "path:line: text" for each matching line. Binary files, files over 2 MiB and git-ignored files are skipped.',
  parameters: Parameters,
  async execute(args, ctx) {
    const root = ctx.workspace.root;
    let re: RegExp;
    try {
      re = new RegExp(args.pattern, args.ignoreCase ? 'i' : '');
    } catch (error) {
      throw new ToolError(
        `The pattern is not a valid JavaScript regular expression: ${(error as Error).message}. Escape special characters such as ( [ { . * + ? with a backslash.`,
      );
    }
    let matchGlob: ((f: string) => boolean) | undefined;
    if (args.glob !== undefined) {
      try {
        matchGlob = picomatch(args.glob, { dot: true, basename: !args.glob.includes('/') });
      } catch (error) {
        throw new ToolError(`The glob "${args.glob}" is not valid: ${(error as Error).message}`);
      }
    }
    const target = inWorkspace(root, args.path ?? '.');
    const files = (await listFiles(root, target)).filter((f) => matchGlob?.(f) ?? true).sort();
    const max = args.maxMatches ?? 200;
    const lines: string[] = [];
    let total = 0;
    let skipped = 0;
    for (const file of files) {
      if (ctx.signal.aborted) break;
      const full = path.join(root, file);
      const size = fs.statSync(full).size;
      if (size > MAX_FILE_BYTES) {
        skipped++;
        continue;
      }
      const buffer = fs.readFileSync(full);
      if (looksBinary(buffer)) continue;
      const text = buffer.toString('utf8').split('\n');
      for (let i = 0; i < text.length; i++) {
        const line = text[i] ?? '';
        if (!re.test(line)) continue;
        total++;
        if (lines.length < max) {
          const shown = line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}… (line cut)` : line;
          lines.push(`${file}:${i + 1}: ${shown}`);
        }
      }
    }
    const notes: string[] = [];
    if (total > max) notes.push(`${total - max} more matching lines not shown; narrow the pattern, path or glob`);
    if (skipped > 0) notes.push(`${skipped} files over 2 MiB skipped`);
    const tail = notes.length > 0 ? `\n(${notes.join('; ')})` : '';
    if (total === 0) {
      return {
        ok: true,
        output: `No matches for /${args.pattern}/ in ${files.length} files.${tail}`,
        data: { matches: 0 },
      };
    }
    return { ok: true, output: `${lines.join('\n')}${tail}`, data: { matches: total, files: files.length } };
  },
});
