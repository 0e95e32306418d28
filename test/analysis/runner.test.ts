import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnalysisOutcome,
  analyzeRepository,
  chunkFiles,
  discoverFiles,
  type ToolProgress,
} from '../../src/analysis/runner/index.ts';
import type { ToolRunResult } from '../../src/analysis/sarif/types.ts';
import { toolEnvironment } from '../../src/analysis/toolchain/index.ts';
import { ToolOutputError } from '../../src/analysis/tools/descriptor.ts';
import { findTool, type ToolDescriptor } from '../../src/analysis/tools/index.ts';
import { lines, parseJson } from '../../src/analysis/tools/parse-helpers.ts';
import { sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import { requirement } from '../support/services.ts';

const sandbox = await sandboxAvailable();
const env = toolEnvironment();
const ruff = findTool('ruff') as ToolDescriptor;
const shellcheck = findTool('shellcheck') as ToolDescriptor;
const realToolsInstalled = Boolean(ruff.findExecutable(env) && shellcheck.findExecutable(env));
const need = requirement(
  sandbox.available && realToolsInstalled,
  sandbox.available
    ? 'ruff and shellcheck are not installed (node bin/orbit.js tools install ruff shellcheck)'
    : `the sandbox is unavailable: ${sandbox.reason}`,
);

let work: string;
let repo: string;
let bin: string;

function script(name: string, body: string): string {
  const file = path.join(bin, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** A fake tool whose executable is a shell script; its report is whatever the script prints. */
function fake(name: string, overrides: Partial<ToolDescriptor>): ToolDescriptor {
  return {
    name,
    title: name,
    languages: ['python'],
    appliesTo: ['**/*.py'],
    informationUri: 'https://example.invalid/',
    install: [{ kind: 'pip', package: name, version: '1.0.0' }],
    findExecutable: () => path.join(bin, name),
    version: { args: ['--version'], parse: () => '1.0.0' },
    argv: ({ files }) => files,
    ownConfigFiles: [],
    findingExitCodes: [0, 1],
    parse: ({ stdout }) => {
      const report = parseJson(name, stdout);
      if (!Array.isArray(report)) throw new ToolOutputError(`${name}: not an array`);
      return [];
    },
    ...overrides,
  };
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-runner-test-'));
  repo = path.join(work, 'repo');
  bin = path.join(work, 'bin');
  fs.mkdirSync(path.join(repo, 'pkg'), { recursive: true });
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(repo, 'pkg', 'main.py'), 'import os\n');
  fs.writeFileSync(path.join(repo, 'run.sh'), '#!/bin/sh\necho $1\n');
  fs.writeFileSync(path.join(repo, 'blob.py'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x01]));
  fs.writeFileSync(path.join(repo, 'latin1.py'), Buffer.from('# caf\xe9\n', 'latin1'));
  fs.writeFileSync(path.join(repo, 'huge.py'), `# ${'x'.repeat(5000)}\n`);
  fs.writeFileSync(path.join(work, 'secret.py'), 'password = "hunter2"\n');
  fs.symlinkSync(path.join(work, 'secret.py'), path.join(repo, 'leak.py'));
  fs.symlinkSync('pkg/main.py', path.join(repo, 'alias.py'));
  fs.mkdirSync(path.join(work, 'empty-repo'));
  fs.writeFileSync(path.join(work, 'empty-repo', 'notes.txt'), 'nothing to lint\n');
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('file discovery', () => {
  it('skips binary, non-UTF-8 and huge files and refuses symlinks leaving the repository, each with a reason', async () => {
    const d = await discoverFiles(repo, { maxFileBytes: 1000 });
    expect(d.method).toBe('walk');
    expect(d.files.map((f) => f.path).sort()).toEqual(['alias.py', 'pkg/main.py', 'run.sh']);
    const reasons = Object.fromEntries(d.skipped.map((s) => [s.path, s.reason]));
    expect(reasons).toEqual({
      'blob.py': 'binary',
      'latin1.py': 'not-utf8',
      'huge.py': 'too-large',
      'leak.py': 'symlink-outside',
    });
    expect(d.skipped.find((s) => s.path === 'leak.py')?.detail).toContain('pointing outside the repository');
  });

  it('in a git work tree, honours .gitignore and lists untracked files', async () => {
    const g = path.join(work, 'git-repo');
    fs.mkdirSync(g);
    execFileSync('git', ['init', '-q'], { cwd: g });
    fs.writeFileSync(path.join(g, '.gitignore'), 'build/\n*.log\n');
    fs.mkdirSync(path.join(g, 'build'));
    fs.writeFileSync(path.join(g, 'build', 'out.py'), 'x = 1\n');
    fs.writeFileSync(path.join(g, 'debug.log'), 'log\n');
    fs.writeFileSync(path.join(g, 'keep.py'), 'x = 1\n');
    const d = await discoverFiles(g);
    expect(d.method).toBe('git');
    expect(d.files.map((f) => f.path).sort()).toEqual(['.gitignore', 'keep.py']);
  });
});

describe.skipIf(need.skip)('the runner, with real and fake tools in parallel', () => {
  let outcome: AnalysisOutcome;
  const events: ToolProgress[] = [];
  const byTool = (name: string) => outcome.results.find((r) => r.tool === name) as ToolRunResult;

  beforeAll(async () => {
    script('crasher', "echo 'Segmentation fault (core dumped) at 0xdeadbeef' >&2\necho '%%% <<garbage' \nexit 2");
    script('hanger', '[ "$1" = --version ] && exec echo 1.0.0\nsleep 600');
    // Prints the files it was given, after trying to write into the repository it runs in.
    script('lister', '[ "$1" = --version ] && exec echo 1.0.0\ntouch written-by-tool 2>/dev/null\nprintf "%s\\n" "$@"');
    const listParse: ToolDescriptor['parse'] = ({ stdout }) =>
      lines(stdout).map((file) => ({ ruleId: 'lister/seen', level: 'note', message: 'given', file }));
    const registry = [
      ruff,
      shellcheck,
      fake('crasher', {}),
      fake('hanger', { timeoutMs: 3000 }),
      fake('lister', { parse: listParse, findingExitCodes: [0] }),
      fake('absent', { findExecutable: () => undefined }),
      fake('rubyish', { appliesTo: ['**/*.rb'] }),
    ];
    outcome = await analyzeRepository({
      repoRoot: repo,
      tools: registry.map((t) => t.name),
      registry,
      concurrency: 7,
      maxFileBytes: 1000,
      timeoutMs: 60_000,
      onProgress: (e) => events.push(e),
    });
  });

  it('gives every selected tool exactly one result, in the order selected', () => {
    expect(outcome.results.map((r) => [r.tool, r.status])).toEqual([
      ['ruff', 'succeeded'],
      ['shellcheck', 'succeeded'],
      ['crasher', 'failed'],
      ['hanger', 'timed_out'],
      ['lister', 'succeeded'],
      ['absent', 'not_installed'],
      ['rubyish', 'not_applicable'],
    ]);
  });

  it('real tools report real findings on the files they apply to', () => {
    expect(byTool('ruff').findings.map((f) => `${f.ruleId} ${f.file}:${f.startLine}`)).toEqual([
      'F401 alias.py:1',
      'F401 pkg/main.py:1',
    ]);
    expect(byTool('ruff').version).toMatch(/^\d+\.\d+/);
    expect(byTool('shellcheck').findings.map((f) => `${f.ruleId} ${f.file}:${f.startLine}`)).toEqual([
      'SC2086 run.sh:2',
    ]);
  });

  it('a crash (undocumented exit code, no report) fails with the exit code and the tail of stderr', () => {
    const r = byTool('crasher');
    expect(r.reason).toContain('exit code 2');
    expect(r.reason).toContain('Segmentation fault (core dumped) at 0xdeadbeef');
    expect(r.findings).toEqual([]);
  });

  it('a hanging tool is killed at its limit', () => {
    expect(byTool('hanger').reason).toBe('killed at its time limit of 3 s');
  });

  it('a missing tool says how to install it; a tool with no files says why it did not run', () => {
    expect(byTool('absent').reason).toContain('orbit tools install absent');
    expect(byTool('absent').reason).toContain('pip install absent==1.0.0');
    expect(byTool('rubyish').reason).toBe('no files match **/*.rb');
  });

  it('tools see only readable text files inside the repository, and cannot write to it', () => {
    expect(
      byTool('lister')
        .findings.map((f) => f.file)
        .sort(),
    ).toEqual(['alias.py', 'pkg/main.py']);
    expect(fs.existsSync(path.join(repo, 'written-by-tool'))).toBe(false);
    expect(fs.existsSync(path.join(process.cwd(), 'written-by-tool'))).toBe(false); // nor where Orbit runs
    expect(outcome.notices).toEqual(
      expect.arrayContaining([
        expect.stringContaining('blob.py: a binary file'),
        expect.stringContaining('latin1.py: not valid UTF-8'),
        expect.stringContaining('huge.py: '),
        expect.stringContaining('leak.py: a symbolic link pointing outside the repository'),
      ]),
    );
  });

  it('runs tools in parallel: the others finish while the hanging one still runs', () => {
    const finished = events.filter((e) => e.phase === 'finished').map((e) => e.tool);
    expect(finished.at(-1)).toBe('hanger');
    const started = events.filter((e) => e.phase === 'started').map((e) => e.tool);
    expect(started.sort()).toEqual(['crasher', 'hanger', 'lister', 'ruff', 'shellcheck']);
    expect(events.find((e) => e.tool === 'ruff' && e.phase === 'finished')).toMatchObject({
      status: 'succeeded',
      findings: 2,
    });
  });

  it('a repository with no applicable files gives not_applicable for every tool', async () => {
    const r = await analyzeRepository({ repoRoot: path.join(work, 'empty-repo'), tools: ['ruff', 'shellcheck'] });
    expect(r.results.map((x) => x.status)).toEqual(['not_applicable', 'not_applicable']);
  });
});

describe.skipIf(need.skip)("a repository without the tool's own config", () => {
  it("gets Orbit's default ESLint flat config, and a notice saying so", async () => {
    const js = path.join(work, 'js-no-config');
    fs.mkdirSync(js, { recursive: true });
    fs.writeFileSync(path.join(js, 'a.js'), 'export function f(a, b) {\n  if (a == b) return eval(a);\n}\n');
    const r = await analyzeRepository({ repoRoot: js, tools: ['eslint'] });
    const eslint = r.results[0] as ToolRunResult;
    expect(eslint.status).toBe('succeeded');
    expect(eslint.findings.map((f) => `${f.ruleId} ${f.file}:${f.startLine}`)).toEqual([
      'eqeqeq a.js:2',
      'no-eval a.js:2',
    ]);
    expect(eslint.notices).toEqual([expect.stringContaining("Orbit's default config was used")]);
  });
});

describe('file lists longer than the OS allows', () => {
  it('are split into batches whose arguments fit, and every file is still checked once', () => {
    expect(chunkFiles(['aaaa', 'bbbb', 'cc', 'd'], 10)).toEqual([
      ['aaaa', 'bbbb'],
      ['cc', 'd'],
    ]);
    expect(chunkFiles(['a-very-long-name'], 4)).toEqual([['a-very-long-name']]);
    expect(chunkFiles([], 4)).toEqual([]);
  });

  it.skipIf(need.skip)('a tool run in batches reports the findings of all of them', async () => {
    script('lister2', 'printf "%s\\n" "$@"');
    const lister2 = fake('lister2', {
      parse: ({ stdout }) => lines(stdout).map((file) => ({ ruleId: 'seen', level: 'note', message: 'given', file })),
    });
    const r = await analyzeRepository({
      repoRoot: repo,
      tools: ['lister2'],
      registry: [lister2],
      maxArgvBytes: 10,
      maxFileBytes: 1000,
    });
    const result = r.results[0] as ToolRunResult;
    expect(result.status).toBe('succeeded');
    expect(result.findings.map((f) => f.file).sort()).toEqual(['alias.py', 'pkg/main.py']);
    expect(result.notices).toEqual(['lister2: 2 files run in 2 batches']);
  });
});

describe.skipIf(need.skip)('concurrent analyses of one repository', () => {
  it('share nothing: each run gets its own scratch workspace and the same findings', async () => {
    const runs = await Promise.all(
      [1, 2, 3].map(() => analyzeRepository({ repoRoot: repo, tools: ['ruff', 'shellcheck'], maxFileBytes: 1000 })),
    );
    const shapes = runs.map((r) => r.results.map((t) => `${t.tool}:${t.status}:${t.findings.length}`).join(' '));
    expect(shapes).toEqual(Array(3).fill('ruff:succeeded:2 shellcheck:succeeded:1'));
  });
});

describe('bad input', () => {
  it('refuses unknown tools and missing repositories with precise errors', async () => {
    await expect(analyzeRepository({ repoRoot: repo, tools: ['ruff', 'nope'] })).rejects.toThrow(
      /Unknown tool\(s\): nope/,
    );
    await expect(analyzeRepository({ repoRoot: path.join(work, 'missing') })).rejects.toThrow(
      /Repository path does not exist/,
    );
    await expect(analyzeRepository({ repoRoot: repo, tools: [] })).rejects.toThrow(/No tools selected/);
  });
});
