import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeRepository } from '../../src/analysis/runner/index.ts';
import type { ToolDescriptor } from '../../src/analysis/tools/index.ts';
import { sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import { requirement } from '../support/services.ts';

const sandbox = await sandboxAvailable();
const need = requirement(sandbox.available, `the sandbox is unavailable: ${sandbox.reason}`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-exit-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A tool whose report is a JSON array of messages (empty means clean) and that exits with `code`. */
function tool(name: string, printed: string, code: number): ToolDescriptor {
  const exe = path.join(work, name);
  fs.writeFileSync(exe, `#!/bin/sh\necho '${printed}'\necho 'boom: cannot start' >&2\nexit ${code}\n`, { mode: 0o755 });
  return {
    name,
    title: name,
    languages: ['python'],
    appliesTo: ['**/*.py'],
    informationUri: 'https://example.invalid/',
    install: [{ kind: 'pip', package: name, version: '1.0.0' }],
    findExecutable: () => exe,
    version: { args: ['--version'], parse: () => '1.0.0' },
    argv: ({ files }) => files,
    ownConfigFiles: [],
    findingExitCodes: [0, 1],
    parse: ({ stdout }) =>
      (JSON.parse(stdout) as string[]).map((message) => ({
        ruleId: 'x',
        level: 'warning' as const,
        message,
        file: 'a.py',
      })),
  };
}

describe.skipIf(need.skip)("a tool's exit code is not trusted alone", () => {
  it('an undocumented exit code with an empty report is a failure with stderr, never a clean result', async () => {
    const repo = path.join(work, 'repo');
    fs.mkdirSync(repo);
    fs.writeFileSync(path.join(repo, 'a.py'), 'x = 1\n');
    const registry = [tool('crashy', '[]', 2), tool('noisy', '["real finding"]', 2), tool('clean', '[]', 0)];
    const o = await analyzeRepository({ repoRoot: repo, tools: ['crashy', 'noisy', 'clean'], registry });
    const byTool = Object.fromEntries(o.results.map((r) => [r.tool, r]));
    expect(byTool.crashy?.status).toBe('failed');
    expect(byTool.crashy?.reason).toMatch(/exit code 2 with an empty report; stderr: boom: cannot start/);
    expect(byTool.noisy?.status).toBe('succeeded');
    expect(byTool.noisy?.findings).toHaveLength(1);
    expect(byTool.noisy?.notices.join()).toMatch(/exit code 2 is not one of its documented codes/);
    expect(byTool.clean?.status).toBe('succeeded');
    expect(byTool.clean?.findings).toEqual([]);
  });
});
