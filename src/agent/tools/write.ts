import fs from 'node:fs';
import path from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { relativeToWorkspace } from '../workspace/index.ts';
import { defineTool, ToolError } from './define.ts';
import { writableInWorkspace } from './files.ts';

/** Largest file the write tool creates. */
export const WRITE_MAX_BYTES = 5 * 1024 * 1024;

const Parameters = Type.Object(
  {
    path: Type.String({
      minLength: 1,
      description: 'File relative to the workspace; missing directories are created.',
    }),
    content: Type.String({ description: 'The whole new content of the file.' }),
  },
  { additionalProperties: false },
);

export const writeTool = defineTool<Static<typeof Parameters>>({
  name: 'write',
  description:
    'Creates a file in the workspace or replaces its whole content. To change part of an existing file, use edit instead.',
  parameters: Parameters,
  async execute(args, ctx) {
    const root = ctx.workspace.root;
    const file = writableInWorkspace(root, args.path);
    const rel = relativeToWorkspace(root, file);
    const bytes = Buffer.byteLength(args.content);
    if (bytes > WRITE_MAX_BYTES)
      throw new ToolError(`The content is ${bytes} bytes, over the ${WRITE_MAX_BYTES}-byte limit.`);
    let existed = false;
    try {
      const stat = fs.statSync(file);
      if (stat.isDirectory()) throw new ToolError(`"${rel}" is a directory; give a file path.`);
      existed = true;
    } catch (error) {
      if (error instanceof ToolError) throw error;
    }
    // The parent is created component by component, each checked again, so no directory appears outside.
    const parent = path.dirname(file);
    fs.mkdirSync(parent, { recursive: true });
    writableInWorkspace(root, relativeToWorkspace(root, parent));
    // O_NOFOLLOW: a symlink put in place since the check is not followed.
    const fd = fs.openSync(
      file,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW,
      0o644,
    );
    try {
      fs.writeSync(fd, args.content);
    } finally {
      fs.closeSync(fd);
    }
    const lines = args.content === '' ? 0 : args.content.split('\n').length - (args.content.endsWith('\n') ? 1 : 0);
    return {
      ok: true,
      output: `${existed ? 'Replaced' : 'Created'} ${rel} (${lines} lines, ${bytes} bytes).`,
      data: { path: rel, created: !existed, bytes },
    };
  },
});
