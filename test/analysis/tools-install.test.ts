import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type InstallProgress,
  installTools,
  resolveTools,
  toolEnvironment,
  toolStatus,
} from '../../src/analysis/toolchain/index.ts';
import { findTool, TOOLS } from '../../src/analysis/tools/index.ts';
import { toolsCommand } from '../../src/cli/commands/tools.ts';
import { requirement } from '../support/services.ts';

const defaults = toolEnvironment();
const nodeTools = requirement(
  ['eslint', 'prettier'].every((n) => findTool(n)?.findExecutable(defaults)),
  'eslint and prettier are not installed (npx tsx src/analysis/toolchain/install-main.ts eslint prettier)',
);
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-tools-home-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

/** Runs `orbit [--json] tools …` in-process and returns what it printed on stdout and its exit code. */
async function orbitTools(args: string[]): Promise<{ stdout: string; exitCode: number }> {
  const program = new Command('orbit').option('--json').addCommand(toolsCommand()).exitOverride();
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  const before = process.exitCode;
  try {
    await program.parseAsync(['node', 'orbit', ...args]);
  } finally {
    process.stdout.write = write;
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { stdout: chunks.join(''), exitCode };
}

describe('managed toolchain', () => {
  it('installs a pip tool into a fresh venv under ORBIT_HOME/tools, then finds it present', async () => {
    const env = toolEnvironment({ home });
    const events: InstallProgress[] = [];
    const first = await installTools(['codespell'], { env, onProgress: (e) => events.push(e) });
    expect(events.map((e) => e.phase)).toEqual(['installing', 'installed']);
    expect(first).toEqual([expect.objectContaining({ tool: 'codespell', phase: 'installed', version: '2.4.3' })]);
    expect(fs.existsSync(path.join(home, 'tools', 'venv', 'bin', 'codespell'))).toBe(true);

    const again = await installTools(['codespell'], { env });
    expect(again).toEqual([expect.objectContaining({ phase: 'present', version: '2.4.3' })]);

    const states = await toolStatus({ env });
    expect(states.map((s) => s.name)).toEqual(TOOLS.map((t) => t.name));
    expect(states.find((s) => s.name === 'codespell')).toMatchObject({ installed: true, version: '2.4.3' });
    expect(states.find((s) => s.name === 'ruff')).toMatchObject({
      installed: false,
      install: `${path.join(home, 'tools', 'venv')}/bin/pip install ruff==0.17.6`,
    });
  }, 180_000);

  it('refuses unknown tool names, naming them and the known ones', () => {
    expect(() => resolveTools(['ruff', 'snake-oil'])).toThrow(/Unknown tool\(s\): snake-oil\. Known tools: eslint, /);
  });

  it('`orbit tools list --json` lists every tool with its version or its install command', async () => {
    const { stdout, exitCode } = await orbitTools(['--json', 'tools', 'list']);
    expect(exitCode).toBe(0);
    const { tools } = JSON.parse(stdout) as { tools: { name: string; installed: boolean; install: string }[] };
    expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
    expect(tools.find((t) => t.name === 'shellcheck')?.install).toBe('apt-get install -y shellcheck');
    expect(tools.find((t) => t.name === 'eslint')?.install).toMatch(
      /^npm install --prefix \S+\/tools\/node --save-exact eslint@10\.15\.0$/,
    );
  });

  it.skipIf(nodeTools.skip)(
    '`orbit tools install` reports present tools as JSON lines; fails on an unknown name',
    async () => {
      const ok = await orbitTools(['--json', 'tools', 'install', 'eslint', 'prettier']);
      expect(ok.exitCode).toBe(0);
      expect(
        ok.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      ).toEqual([
        expect.objectContaining({ tool: 'eslint', phase: 'present', version: '10.15.0' }),
        expect.objectContaining({ tool: 'prettier', phase: 'present', version: '3.10.1' }),
      ]);
      const bad = await orbitTools(['--json', 'tools', 'install', 'nope']);
      expect(bad.exitCode).not.toBe(0);
      expect(JSON.parse(bad.stdout).error.message).toContain('Unknown tool(s): nope');
    },
  );
});
