import fs from 'node:fs';
import { type Static, Type } from '@sinclair/typebox';
import { relativeToWorkspace } from '../workspace/index.ts';
import { defineTool, ToolError } from './define.ts';
import { inWorkspace, looksBinary } from './files.ts';

/** Largest file read at all; bigger ones are searched with grep. */
export const READ_MAX_FILE_BYTES = 5 * 1024 * 1024;
const DEFAULT_LINES = 2000;
const MAX_LINE_CHARS = 2000;

const Parameters = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'File (or directory) relative to the workspace.' }),
    offset: Type.Optional(Type.Integer({ minimum: 1, description: 'First line to show (1-based, default 1).' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Lines to show (default 2000).' })),
  },
  { additionalProperties: false },
);

export const readTool = defineTool<Static<typeof Parameters>>({
  name: 'read',
  description:
    'Reads a text file of the workspace with line numbers ("   12\\tcode"), optionally a range of lines (offset, limit). A directory lists its entries. Binary files and files over 5 MiB are not shown.',
  parameters: Parameters,
  async execute(args, ctx) {
    const root = ctx.workspace.root;
    const file = inWorkspace(root, args.path);
    const rel = relativeToWorkspace(root, file);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      throw new ToolError(`"${rel}" does not exist. Use glob to find the file's path.`);
    }
    if (stat.isDirectory()) {
      const entries = fs
        .readdirSync(file, { withFileTypes: true })
        .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
        .sort();
      return { ok: true, output: `${rel}/ (directory, ${entries.length} entries)\n${entries.join('\n')}` };
    }
    if (!stat.isFile()) throw new ToolError(`"${rel}" is not a regular file.`);
    if (stat.size > READ_MAX_FILE_BYTES) {
      throw new ToolError(
        `"${rel}" is ${stat.size} bytes, over the ${READ_MAX_FILE_BYTES}-byte limit of read. Use grep with a pattern and this path to find the lines you need.`,
      );
    }
    const buffer = fs.readFileSync(file);
    if (looksBinary(buffer)) {
      return {
        ok: true,
        output: `"${rel}" is a binary file (${stat.size} bytes); its contents are not shown.`,
        data: { binary: true },
      };
    }
    const lines = buffer.toString('utf8').split('\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    const start = args.offset ?? 1;
    if (start > Math.max(lines.length, 1)) {
      throw new ToolError(`"${rel}" has ${lines.length} lines; offset ${start} is past its end.`);
    }
    const end = Math.min(lines.length, start - 1 + (args.limit ?? DEFAULT_LINES));
    const width = String(end).length;
    const out: string[] = [];
    for (let n = start; n <= end; n++) {
      const line = lines[n - 1] ?? '';
      const shown =
        line.length > MAX_LINE_CHARS
          ? `${line.slice(0, MAX_LINE_CHARS)}… (line cut at ${MAX_LINE_CHARS} characters)`
          : line;
      out.push(`${String(n).padStart(width, ' ')}\t${shown}`);
    }
    if (lines.length === 0 || (lines.length === 1 && lines[0] === ''))
      return { ok: true, output: `"${rel}" is empty.` };
    const more =
      end < lines.length ? `\n(lines ${start}-${end} of ${lines.length}; pass offset ${end + 1} to read on)` : '';
    return { ok: true, output: `${out.join('\n')}${more}`, data: { lines: lines.length } };
  },
});
