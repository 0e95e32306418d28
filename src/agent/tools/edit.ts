import fs from 'node:fs';
import { type Static, Type } from '@sinclair/typebox';
import { relativeToWorkspace } from '../workspace/index.ts';
import { defineTool, ToolError } from './define.ts';
import { looksBinary, writableInWorkspace } from './files.ts';
import { READ_MAX_FILE_BYTES } from './read.ts';

const Parameters = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'File relative to the workspace.' }),
    oldString: Type.String({
      minLength: 1,
      description: 'Exact text to replace, whitespace and indentation included.',
    }),
    newString: Type.String({ description: 'Text to put in its place.' }),
    replaceAll: Type.Optional(
      Type.Boolean({ description: 'Replace every occurrence (default: exactly one must exist).' }),
    ),
  },
  { additionalProperties: false },
);

function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function occurrences(text: string, needle: string): number[] {
  const at: number[] = [];
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) at.push(i);
  return at;
}

/** Where the first line of `needle` appears when whitespace is ignored: a hint for a near miss. */
function nearMiss(text: string, needle: string): number | undefined {
  const first = needle
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.trim()
    .replace(/\s+/g, ' ');
  if (!first) return undefined;
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.trim().replace(/\s+/g, ' ') === first);
  return i === -1 ? undefined : i + 1;
}

export const editTool = defineTool<Static<typeof Parameters>>({
  name: 'edit',
  description:
    'Replaces an exact piece of text in a file of the workspace. oldString must match the file exactly (read the file first) and occur once, unless replaceAll is true. To create a file use write.',
  parameters: Parameters,
  async execute(args, ctx) {
    const root = ctx.workspace.root;
    const file = writableInWorkspace(root, args.path);
    const rel = relativeToWorkspace(root, file);
    if (args.oldString === args.newString)
      throw new ToolError('oldString and newString are the same: there is nothing to change.');
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      throw new ToolError(`"${rel}" does not exist. Use write to create a file, or glob to find the right path.`);
    }
    if (!stat.isFile()) throw new ToolError(`"${rel}" is not a regular file.`);
    if (stat.size > READ_MAX_FILE_BYTES) throw new ToolError(`"${rel}" is ${stat.size} bytes, too large to edit.`);
    const buffer = fs.readFileSync(file);
    if (looksBinary(buffer)) throw new ToolError(`"${rel}" is a binary file; edit changes text files only.`);
    const text = buffer.toString('utf8');
    const at = occurrences(text, args.oldString);
    if (at.length === 0) {
      const near = nearMiss(text, args.oldString);
      throw new ToolError(
        `oldString was not found in "${rel}".${near !== undefined ? ` A line equal to its first line except for whitespace is at line ${near}: read the file around it and copy the text exactly, indentation included.` : ' Read the file and copy the text exactly, whitespace and indentation included.'}`,
      );
    }
    if (at.length > 1 && !args.replaceAll) {
      const lines = at.slice(0, 10).map((i) => lineOf(text, i));
      throw new ToolError(
        `oldString was found ${at.length} times in "${rel}" (at lines ${lines.join(', ')}${at.length > 10 ? ', …' : ''}). Add surrounding lines to oldString so it matches exactly one place, or pass replaceAll: true to change every one.`,
      );
    }
    const updated = args.replaceAll
      ? text.split(args.oldString).join(args.newString)
      : text.replace(args.oldString, () => args.newString);
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW);
    try {
      fs.writeSync(fd, updated);
    } finally {
      fs.closeSync(fd);
    }
    const firstLine = lineOf(text, at[0] ?? 0);
    return {
      ok: true,
      output: `Replaced ${at.length} occurrence${at.length === 1 ? '' : 's'} in ${rel} (first at line ${firstLine}).`,
      data: { path: rel, replacements: at.length },
    };
  },
});
