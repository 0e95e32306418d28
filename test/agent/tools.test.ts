import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  askUserTool,
  bashTool,
  createAgentTools,
  defineTool,
  editTool,
  gitTool,
  globTool,
  grepTool,
  readTool,
  type ToolContext,
  type ToolResult,
  todoTool,
  writeTool,
} from '../../src/agent/tools/index.ts';
import { createWorkspace } from '../../src/agent/workspace/index.ts';
import { log } from '../../src/platform/git/index.ts';
import { sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import { initRepo } from '../support/git.ts';
import { countingHttpServer } from '../support/net.ts';
import { itWhen } from '../support/services.ts';

const availability = await sandboxAvailable();
const itSandbox = itWhen(availability.available, `the bubblewrap sandbox is unavailable: ${availability.reason}`);

let tmp: string;
let ws: { root: string; branch: string };
let events: { type: string; data?: Record<string, unknown> }[];
let usage: Record<string, number>;

function ctx(extra: Partial<ToolContext> = {}): ToolContext {
  return {
    workspace: ws,
    runId: 'run-tools',
    signal: new AbortController().signal,
    emit: async (type, data) => {
      events.push({ type, ...(data ? { data } : {}) });
    },
    todo: { items: [] },
    usage: {
      add: async (a) => {
        for (const [k, v] of Object.entries(a)) usage[k] = (usage[k] ?? 0) + v;
      },
    },
    ...extra,
  };
}

async function call(tool: { execute(a: never, c: ToolContext): Promise<ToolResult> }, args: unknown, c = ctx()) {
  return tool.execute(args as never, c);
}

function okOutput(r: ToolResult): string {
  if (!r.ok) throw new Error(`expected ok, got error: ${r.error}`);
  return r.output;
}

function errorOf(r: ToolResult): string {
  if (r.ok) throw new Error(`expected an error, got: ${r.output}`);
  return r.error;
}

beforeAll(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-tools-')));
  const source = path.join(tmp, 'source');
  fs.mkdirSync(path.join(source, 'src', 'lib'), { recursive: true });
  fs.writeFileSync(
    path.join(source, 'src', 'index.ts'),
    "import { add } from './lib/math.ts';\nconsole.log(add(1, 2));\n",
  );
  fs.writeFileSync(
    path.join(source, 'src', 'lib', 'math.ts'),
    'export function add(a: number, b: number) {\n  return a + b;\n}\n\nexport function twice(a: number) {\n  return add(a, a);\n}\n',
  );
  fs.writeFileSync(path.join(source, 'README.md'), '# calc\nAdds numbers.\n');
  fs.writeFileSync(path.join(source, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 2, 3]));
  fs.writeFileSync(path.join(source, '.gitignore'), 'dist/\n');
  initRepo(source);
  ws = await createWorkspace({ home: path.join(tmp, 'home'), runId: 'run-tools-1', source, slug: 'tools' });
  fs.mkdirSync(path.join(ws.root, 'dist'));
  fs.writeFileSync(path.join(ws.root, 'dist', 'bundle.js'), 'function add(){}');
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  events = [];
  usage = {};
});

describe('defineTool', () => {
  it('emits tool.called and tool.result with the duration and counts the call in usage', async () => {
    const r = await call(globTool, { pattern: '*.md' }, ctx({ callId: 'call-1' }));
    expect(okOutput(r)).toBe('README.md');
    expect(events.map((e) => e.type)).toEqual(['tool.called', 'tool.result']);
    expect(events[0]?.data).toEqual({ tool: 'glob', callId: 'call-1', args: { pattern: '*.md' } });
    expect(events[1]?.data).toMatchObject({
      tool: 'glob',
      callId: 'call-1',
      ok: true,
      output: 'README.md',
      outputChars: 9,
    });
    expect(typeof events[1]?.data?.durationMs).toBe('number');
    expect(usage.toolCalls).toBe(1);
  });

  it('answers bad arguments with each bad field and the expected shape', async () => {
    const r = await call(readTool, { file: 'README.md', offset: 'one' });
    const error = errorOf(r);
    expect(error).toContain('Invalid arguments for read');
    expect(error).toContain('/path');
    expect(error).toContain('/offset');
    expect(error).toContain('{ path: string, offset?: integer, limit?: integer }');
    expect(events[1]?.data).toMatchObject({ ok: false });
  });

  it('truncates long output with a note saying how much was cut', async () => {
    const big = defineTool<{ n: number }>({
      name: 'big',
      description: 'prints n characters',
      parameters: Type.Object({ n: Type.Integer() }),
      maxOutputChars: 1000,
      execute: async ({ n }) => ({ ok: true, output: 'x'.repeat(n) }),
    });
    const r = await call(big, { n: 5000 });
    if (!r.ok) throw new Error(r.error);
    expect(r.truncated).toBe(true);
    expect(r.output).toContain('output truncated: 4000 of 5000 characters cut');
    expect(r.output.replace(/\[[^\]]*\]/, '').replace(/\s/g, '')).toBe('x'.repeat(1000));
    expect(events[1]?.data).toMatchObject({ truncatedChars: 4000 });
  });

  it('runs nothing once the run is cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await call(writeTool, { path: 'cancelled.txt', content: 'x' }, ctx({ signal: controller.signal }));
    expect(errorOf(r)).toBe('write was not run: the run was cancelled.');
    expect(fs.existsSync(path.join(ws.root, 'cancelled.txt'))).toBe(false);
  });

  it('turns an exception in a tool into an error the model reads', async () => {
    const broken = defineTool<Record<string, never>>({
      name: 'broken',
      description: 'throws',
      parameters: Type.Object({}),
      execute: async () => {
        throw new Error('disk on fire');
      },
    });
    expect(errorOf(await call(broken, {}))).toBe('broken failed: disk on fire');
  });

  it('offers all nine tools with distinct names and object schemas', () => {
    const tools = createAgentTools();
    expect(tools.map((t) => t.name)).toEqual([
      'grep',
      'glob',
      'read',
      'edit',
      'write',
      'bash',
      'git',
      'todo',
      'ask_user',
    ]);
    for (const t of tools) expect(t.parameters.type).toBe('object');
  });
});

describe('grep and glob', () => {
  it('grep finds lines by regex, filtered by glob and path, skipping binary and git-ignored files', async () => {
    const out = okOutput(await call(grepTool, { pattern: 'function \\w+' }));
    expect(out.split('\n')).toEqual([
      'src/lib/math.ts:1: export function add(a: number, b: number) {',
      'src/lib/math.ts:5: export function twice(a: number) {',
    ]);
    expect(okOutput(await call(grepTool, { pattern: 'add', glob: 'index.ts' }))).toBe(
      "src/index.ts:1: import { add } from './lib/math.ts';\nsrc/index.ts:2: console.log(add(1, 2));",
    );
    expect(okOutput(await call(grepTool, { pattern: 'ADDS', ignoreCase: true, path: 'README.md' }))).toBe(
      'README.md:2: Adds numbers.',
    );
    const limited = okOutput(await call(grepTool, { pattern: 'add', maxMatches: 1 }));
    expect(limited).toContain('3 more matching lines not shown');
    expect(okOutput(await call(grepTool, { pattern: 'zzz' }))).toMatch(/^No matches/);
  });

  it('grep explains an invalid regular expression and refuses paths outside', async () => {
    expect(errorOf(await call(grepTool, { pattern: 'add(' }))).toContain('not a valid JavaScript regular expression');
    expect(errorOf(await call(grepTool, { pattern: 'root', path: '/etc' }))).toContain('outside the workspace');
  });

  it('glob lists files by pattern, leaving out git-ignored ones', async () => {
    expect(okOutput(await call(globTool, { pattern: '**/*.ts' }))).toBe('src/index.ts\nsrc/lib/math.ts');
    expect(okOutput(await call(globTool, { pattern: '*.ts', path: 'src/lib' }))).toBe('src/lib/math.ts');
    expect(okOutput(await call(globTool, { pattern: '*.js' }))).toBe('No files match "*.js".');
    expect(okOutput(await call(globTool, { pattern: '*', maxResults: 2 }))).toContain('more files match');
  });
});

describe('read', () => {
  it('shows numbered lines, a range with a note on how to continue, and directories', async () => {
    expect(okOutput(await call(readTool, { path: 'README.md' }))).toBe('1\t# calc\n2\tAdds numbers.');
    const part = okOutput(await call(readTool, { path: 'src/lib/math.ts', offset: 2, limit: 2 }));
    expect(part).toBe('2\t  return a + b;\n3\t}\n(lines 2-3 of 7; pass offset 4 to read on)');
    expect(okOutput(await call(readTool, { path: 'src' }))).toBe('src/ (directory, 2 entries)\nindex.ts\nlib/');
  });

  it('does not show binary files, refuses huge ones and missing ones with a next step', async () => {
    expect(okOutput(await call(readTool, { path: 'logo.png' }))).toContain('binary file');
    fs.writeFileSync(path.join(ws.root, 'huge.log'), Buffer.alloc(6 * 1024 * 1024, 97));
    expect(errorOf(await call(readTool, { path: 'huge.log' }))).toMatch(/over the 5242880-byte limit.*Use grep/);
    fs.rmSync(path.join(ws.root, 'huge.log'));
    expect(errorOf(await call(readTool, { path: 'nope.ts' }))).toContain('does not exist. Use glob');
    expect(errorOf(await call(readTool, { path: 'README.md', offset: 50 }))).toContain('past its end');
  });
});

describe('edit and write', () => {
  it('edit replaces exactly one occurrence', async () => {
    okOutput(await call(writeTool, { path: 'notes/todo.txt', content: 'alpha\nbeta\nalpha\n' }));
    expect(okOutput(await call(editTool, { path: 'notes/todo.txt', oldString: 'beta', newString: 'BETA' }))).toBe(
      'Replaced 1 occurrence in notes/todo.txt (first at line 2).',
    );
    expect(fs.readFileSync(path.join(ws.root, 'notes/todo.txt'), 'utf8')).toBe('alpha\nBETA\nalpha\n');
  });

  it('edit says when the text is not found (with a whitespace near miss) or found several times', async () => {
    const notFound = errorOf(
      await call(editTool, { path: 'src/lib/math.ts', oldString: 'return a - b;', newString: 'x' }),
    );
    expect(notFound).toContain('oldString was not found in "src/lib/math.ts"');
    const near = errorOf(
      await call(editTool, { path: 'src/lib/math.ts', oldString: 'return   a + b;', newString: 'x' }),
    );
    expect(near).toContain('except for whitespace is at line 2');
    const many = errorOf(await call(editTool, { path: 'notes/todo.txt', oldString: 'alpha', newString: 'x' }));
    expect(many).toBe(
      'edit failed: oldString was found 2 times in "notes/todo.txt" (at lines 1, 3). Add surrounding lines to oldString so it matches exactly one place, or pass replaceAll: true to change every one.',
    );
    expect(
      okOutput(await call(editTool, { path: 'notes/todo.txt', oldString: 'alpha', newString: 'x', replaceAll: true })),
    ).toContain('Replaced 2 occurrences');
    expect(fs.readFileSync(path.join(ws.root, 'notes/todo.txt'), 'utf8')).toBe('x\nBETA\nx\n');
    expect(errorOf(await call(editTool, { path: 'missing.ts', oldString: 'a', newString: 'b' }))).toContain(
      'Use write to create',
    );
    expect(errorOf(await call(editTool, { path: 'README.md', oldString: 'a', newString: 'a' }))).toContain(
      'nothing to change',
    );
  });

  it('edit keeps $ patterns in the new text literally', async () => {
    okOutput(await call(writeTool, { path: 'dollar.txt', content: 'price\n' }));
    okOutput(await call(editTool, { path: 'dollar.txt', oldString: 'price', newString: "$& $' $1" }));
    expect(fs.readFileSync(path.join(ws.root, 'dollar.txt'), 'utf8')).toBe("$& $' $1\n");
  });

  it('write creates and replaces files, refusing directories and .git', async () => {
    expect(okOutput(await call(writeTool, { path: 'a/b/c.txt', content: 'one\ntwo\n' }))).toBe(
      'Created a/b/c.txt (2 lines, 8 bytes).',
    );
    expect(okOutput(await call(writeTool, { path: 'a/b/c.txt', content: 'three' }))).toBe(
      'Replaced a/b/c.txt (1 lines, 5 bytes).',
    );
    expect(errorOf(await call(writeTool, { path: 'a/b', content: 'x' }))).toContain('is a directory');
    expect(errorOf(await call(writeTool, { path: '.git/hooks/pre-commit', content: 'x' }))).toContain('inside .git');
    expect(errorOf(await call(editTool, { path: '.git/config', oldString: '[core]', newString: 'x' }))).toContain(
      'inside .git',
    );
  });
});

describe('git, todo and ask_user', () => {
  it('git runs the fixed subcommands: status, add, commit, diff, log, show, branch', async () => {
    const st = okOutput(await call(gitTool, { subcommand: 'status' }));
    expect(st).toContain(`On branch ${ws.branch}`);
    expect(st).toContain('?? a/b/c.txt');
    fs.writeFileSync(path.join(ws.root, 'README.md'), '# calc\nAdds numbers fast.\n');
    const d = okOutput(await call(gitTool, { subcommand: 'diff', paths: ['README.md'] }));
    expect(d).toContain('+1 -1\tREADME.md');
    expect(d).toContain('+Adds numbers fast.');
    okOutput(await call(gitTool, { subcommand: 'add' }));
    expect(okOutput(await call(gitTool, { subcommand: 'diff', staged: true }))).toContain('a/b/c.txt');
    const c = okOutput(await call(gitTool, { subcommand: 'commit', message: 'Describe speed' }));
    expect(c).toMatch(new RegExp(`^Committed [0-9a-f]{12} on ${ws.branch}: Describe speed$`));
    expect((await log(ws.root, { max: 1 }))[0]?.subject).toBe('Describe speed');
    expect(okOutput(await call(gitTool, { subcommand: 'log', max: 1 }))).toContain('Orbit Agent: Describe speed');
    expect(okOutput(await call(gitTool, { subcommand: 'show' }))).toContain('+Adds numbers fast.');
    expect(okOutput(await call(gitTool, { subcommand: 'commit', message: 'again' }))).toContain('Nothing to commit');
    expect(okOutput(await call(gitTool, { subcommand: 'branch' }))).toContain(`* ${ws.branch}`);
  });

  it('git refuses other subcommands, option-like refs and paths outside', async () => {
    expect(errorOf(await call(gitTool, { subcommand: 'push' }))).toContain('Invalid arguments for git');
    expect(errorOf(await call(gitTool, { subcommand: 'show', ref: '--output=/tmp/x' }))).toContain('is not a commit');
    expect(errorOf(await call(gitTool, { subcommand: 'add', paths: ['../x'] }))).toContain('outside the workspace');
    expect(errorOf(await call(gitTool, { subcommand: 'commit' }))).toContain('commit needs a message');
  });

  it('todo keeps a list in the context and reports it in the event data', async () => {
    const c = ctx();
    okOutput(await call(todoTool, { action: 'add', text: 'read the code' }, c));
    okOutput(await call(todoTool, { action: 'add', text: 'write a test' }, c));
    expect(okOutput(await call(todoTool, { action: 'update', id: 1, status: 'done' }, c))).toBe(
      '[x] 1. read the code\n[ ] 2. write a test',
    );
    expect(c.todo.items).toHaveLength(2);
    expect(events.at(-1)?.data?.data).toEqual({
      todo: [
        { id: 1, text: 'read the code', status: 'done' },
        { id: 2, text: 'write a test', status: 'pending' },
      ],
    });
    expect(errorOf(await call(todoTool, { action: 'update', id: 9, status: 'done' }, c))).toContain('the ids are 1, 2');
  });

  it('ask_user hands the question back for the loop', async () => {
    const r = await call(askUserTool, { question: 'Which port?', options: ['8080', '3000'] });
    expect(r).toEqual({ ok: true, output: '', data: { question: 'Which port?', options: ['8080', '3000'] } });
  });
});

describe('bash', () => {
  itSandbox('runs in the workspace and reports exit code, stdout and stderr', async () => {
    const out = okOutput(await call(bashTool, { command: 'cat README.md; echo oops >&2; exit 3' }));
    expect(out).toBe('exit code 3\n--- stdout ---\n# calc\nAdds numbers fast.\n--- stderr ---\noops');
    okOutput(await call(bashTool, { command: 'echo made > made.txt' }));
    expect(fs.readFileSync(path.join(ws.root, 'made.txt'), 'utf8')).toBe('made\n');
  });

  itSandbox('cuts long output to 30 000 characters with a note', async () => {
    const r = await call(bashTool, { command: "head -c 100000 /dev/zero | tr '\\0' a" });
    if (!r.ok) throw new Error(r.error);
    expect(r.truncated).toBe(true);
    expect(r.output.length).toBeLessThan(30_300);
    expect(r.output).toMatch(/output truncated: \d+ of \d+ characters cut here/);
  });

  itSandbox('stops a command at its time limit', async () => {
    const r = await call(bashTool, { command: 'sleep 30', timeoutSeconds: 1 });
    expect(okOutput(r)).toContain('ran past its 1 s time limit');
  });

  itSandbox('keeps .git read-only inside the sandbox', async () => {
    const out = okOutput(await call(bashTool, { command: 'echo x >> .git/config && echo WROTE' }));
    expect(out).not.toContain('WROTE');
    expect(fs.readFileSync(path.join(ws.root, '.git', 'config'), 'utf8')).not.toContain('\nx\n');
  });

  itSandbox("reaches the run's listed hosts only, and tells the model which connections were refused", async () => {
    const server = await countingHttpServer();
    try {
      const fetch = (host: string) =>
        `python3 -c "import urllib.request as u; print(u.urlopen('http://${host}:${server.port}/x', timeout=5).read().decode())"`;
      const r = await call(
        bashTool,
        { command: `${fetch('localhost')}; ${fetch('127.0.0.1')}` },
        ctx({ allowHosts: [`localhost:${server.port}`] }),
      );
      const out = okOutput(r);
      expect(out).toContain('hello /x');
      expect(out).toContain('HTTP Error 403');
      expect(out).toContain(
        `--- network ---\nThe sandbox refused connections to 127.0.0.1:${server.port}: this run may reach only localhost:${server.port}.`,
      );
      expect(server.hits()).toBe(1);
      expect(r.ok && r.data).toMatchObject({
        network: { allowed: [`localhost:${server.port}`], blocked: [`127.0.0.1:${server.port}`] },
      });
    } finally {
      await server.close();
    }
  });
});
