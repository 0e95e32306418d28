import { type Static, Type } from '@sinclair/typebox';
import picomatch from 'picomatch';
import { defineTool, ToolError } from './define.ts';
import { inWorkspace, listFiles } from './files.ts';

const Parameters = Type.Object(
  {
    pattern: Type.String({
      minLength: 1,
      description: 'Glob such as "**/*.ts" or "src/*.{js,jsx}"; a pattern without "/" matches file names anywhere.',
    }),
    path: Type.Optional(
      Type.String({ description: 'Directory to search in, relative to the workspace (default: all).' }),
    ),
    maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, description: 'Default 500.' })),
  },
  { additionalProperties: false },
);

export const globTool = defineTool<Static<typeof Parameters>>({
  name: 'glob',
  description:
    'Lists files of the workspace whose path matches a glob (git-ignored files are left out), sorted by path. Use it to find files by name; use grep to search their contents.',
  parameters: Parameters,
  async execute(args, ctx) {
    const root = ctx.workspace.root;
    const dir = inWorkspace(root, args.path ?? '.');
    let matches: (file: string) => boolean;
    try {
      matches = picomatch(args.pattern, { dot: true, basename: !args.pattern.includes('/') });
    } catch (error) {
      throw new ToolError(`The glob "${args.pattern}" is not valid: ${(error as Error).message}`);
    }
    const files = (await listFiles(root, dir)).filter((f) => matches(f)).sort();
    const max = args.maxResults ?? 500;
    const shown = files.slice(0, max);
    if (files.length === 0) return { ok: true, output: `No files match "${args.pattern}".`, data: { count: 0 } };
    const more = files.length > max ? `\n(${files.length - max} more files match; narrow the pattern or path)` : '';
    return { ok: true, output: `${shown.join('\n')}${more}`, data: { count: files.length } };
  },
});
