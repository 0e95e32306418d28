import { type Static, Type } from '@sinclair/typebox';
import {
  add,
  branches,
  commit,
  createBranch,
  diff,
  log,
  show,
  status,
  switchBranch,
} from '../../platform/git/index.ts';
import { relativeToWorkspace } from '../workspace/index.ts';
import { defineTool, ToolError } from './define.ts';
import { inWorkspace } from './files.ts';

export const GIT_SUBCOMMANDS = ['status', 'diff', 'log', 'add', 'commit', 'branch', 'show'] as const;

const Parameters = Type.Object(
  {
    subcommand: Type.Union(
      GIT_SUBCOMMANDS.map((s) => Type.Literal(s)),
      { description: GIT_SUBCOMMANDS.join(', ') },
    ),
    paths: Type.Optional(Type.Array(Type.String(), { description: 'add, diff, log, commit: limit to these paths.' })),
    message: Type.Optional(Type.String({ description: 'commit: the commit message.' })),
    staged: Type.Optional(Type.Boolean({ description: 'diff: staged changes instead of unstaged ones.' })),
    ref: Type.Optional(Type.String({ description: 'show/log: a commit or branch; diff: compare against it.' })),
    max: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'log: number of commits (default 20).' })),
    name: Type.Optional(
      Type.String({ description: 'branch: create this branch and switch to it (with create) or switch to it.' }),
    ),
    create: Type.Optional(Type.Boolean({ description: 'branch: create the branch named by name.' })),
  },
  { additionalProperties: false },
);

type Args = Static<typeof Parameters>;

function relPaths(root: string, paths: string[] | undefined): string[] | undefined {
  return paths?.map((p) => relativeToWorkspace(root, inWorkspace(root, p)));
}

function ref(value: string | undefined): string | undefined {
  if (value !== undefined && (value.startsWith('-') || value.trim() === '')) {
    throw new ToolError(`"${value}" is not a commit or branch name.`);
  }
  return value;
}

async function run(args: Args, root: string, currentBranch: string): Promise<string> {
  switch (args.subcommand) {
    case 'status': {
      const s = await status(root);
      if (s.clean) return `On branch ${s.branch ?? '(detached)'}; nothing to commit, working tree clean.`;
      return `On branch ${s.branch ?? '(detached)'}\n${s.entries.map((e) => `${e.code} ${e.from ? `${e.from} -> ` : ''}${e.path}`).join('\n')}`;
    }
    case 'diff': {
      const paths = relPaths(root, args.paths);
      const d = await diff(root, {
        ...(args.staged ? { staged: true } : {}),
        ...(args.ref !== undefined ? { from: ref(args.ref) as string } : {}),
        ...(paths ? { paths } : {}),
      });
      if (d.files.length === 0) return 'No differences.';
      const stat = d.files.map((f) => `${f.binary ? 'binary' : `+${f.added} -${f.removed}`}\t${f.path}`).join('\n');
      return `${stat}\n\n${d.patch}`;
    }
    case 'log': {
      const paths = relPaths(root, args.paths);
      const entries = await log(root, {
        max: args.max ?? 20,
        ...(args.ref !== undefined ? { ref: ref(args.ref) as string } : {}),
        ...(paths ? { paths } : {}),
      });
      return (
        entries.map((e) => `${e.sha.slice(0, 12)} ${e.date} ${e.author}: ${e.subject}`).join('\n') || 'No commits.'
      );
    }
    case 'add': {
      const paths = relPaths(root, args.paths);
      await add(root, paths);
      return `Staged ${paths ? paths.join(', ') : 'every change'}.`;
    }
    case 'commit': {
      if (args.message === undefined || args.message.trim() === '') {
        throw new ToolError('commit needs a message: pass { subcommand: "commit", message: "…" }.');
      }
      const paths = relPaths(root, args.paths);
      const r = await commit(root, args.message, paths ? { add: paths } : {});
      if (!r.committed) return 'Nothing to commit: stage changes with add first (or pass paths).';
      return `Committed ${r.sha?.slice(0, 12)} on ${currentBranch}: ${args.message.split('\n')[0]}`;
    }
    case 'branch': {
      if (args.name === undefined) {
        return (await branches(root)).map((b) => `${b.current ? '*' : ' '} ${b.name} ${b.sha.slice(0, 12)}`).join('\n');
      }
      if (args.create) {
        await createBranch(root, args.name);
        return `Created and switched to ${args.name}.`;
      }
      await switchBranch(root, args.name);
      return `Switched to ${args.name}.`;
    }
    case 'show':
      return show(root, ref(args.ref) ?? 'HEAD');
  }
}

/**
 * A fixed set of git subcommands through Orbit's git module (no shell, hooks off, fixed identity). Pushing and pull
 * requests are not the model's to do: the deliver phase does them.
 */
export const gitTool = defineTool<Args>({
  name: 'git',
  description:
    'Runs one git subcommand in the workspace: status, diff (staged, ref, paths), log (ref, max, paths), add (paths; default all), commit (message, paths), branch (list; name + create to create and switch), show (ref). Pushing is done by Orbit when the work is delivered.',
  parameters: Parameters,
  async execute(args, ctx) {
    const output = await run(args, ctx.workspace.root, ctx.workspace.branch);
    return { ok: true, output };
  },
});
