/**
 * The Ruby, C, Java, Go and Rust tools run for real over their sample repositories (examples/repos/*-basic) and
 * report the planted problems; the tools that need a remote service say so instead of reporting nothing.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeRepository } from '../../src/analysis/runner/index.ts';
import { buildSarifLog, validateSarif } from '../../src/analysis/sarif/index.ts';
import { toolEnvironment } from '../../src/analysis/toolchain/index.ts';
import { findTool, type ToolDescriptor } from '../../src/analysis/tools/index.ts';
import { sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import { requirement } from '../support/services.ts';

const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/repos');
const sandbox = await sandboxAvailable();
const env = toolEnvironment();
const TOOLS = ['rubocop', 'cppcheck', 'checkstyle', 'govet', 'staticcheck', 'clippy', 'safety'];
const missing = TOOLS.filter((n) => !(findTool(n) as ToolDescriptor).findExecutable(env));
const need = requirement(
  sandbox.available && missing.length === 0,
  sandbox.available
    ? `not installed: ${missing.join(', ')} (node bin/orbit.js tools install ${missing.join(' ')})`
    : `the sandbox is unavailable: ${sandbox.reason}`,
);

async function run(repo: string, tools: string[]) {
  const outcome = await analyzeRepository({ repoRoot: path.join(EXAMPLES, repo), tools });
  const log = buildSarifLog(outcome.results, { repoRoot: outcome.repoRoot });
  expect(validateSarif(log).errors).toEqual([]);
  return outcome.results;
}

const located = (r: { findings: { ruleId: string; file?: string; startLine?: number }[] }) =>
  r.findings.map((f) => `${f.ruleId} ${f.file}:${f.startLine}`);

describe.skipIf(need.skip)('more languages, real tools, planted problems', () => {
  afterEach(() => {
    delete process.env.SAFETY_API_KEY;
  });

  it('RuboCop finds the useless assignment and the eval in ruby-basic', async () => {
    const [r] = await run('ruby-basic', ['rubocop']);
    expect(r?.status).toBe('succeeded');
    expect(located(r as never)).toEqual(
      expect.arrayContaining(['Lint/UselessAssignment lib/greeter.rb:8', 'Security/Eval lib/greeter.rb:13']),
    );
  });

  it('cppcheck finds the out-of-bounds write and the leak in c-basic', async () => {
    const [r] = await run('c-basic', ['cppcheck']);
    expect(r?.status).toBe('succeeded');
    expect(located(r as never)).toEqual(
      expect.arrayContaining(['arrayIndexOutOfBounds src/buffer.c:9', 'memleak src/buffer.c:11']),
    );
  });

  it("Checkstyle applies Google's style when java-basic has no config: the star import and the missing braces", async () => {
    const [r] = await run('java-basic', ['checkstyle']);
    expect(r?.status).toBe('succeeded');
    expect(located(r as never)).toEqual(
      expect.arrayContaining([
        'AvoidStarImport src/main/java/com/example/Billing.java:3',
        'NeedBraces src/main/java/com/example/Billing.java:10',
      ]),
    );
  });

  it('go vet and staticcheck both find the bad Printf verb in go-basic; staticcheck also the simplifications', async () => {
    const [vet, sc] = await run('go-basic', ['govet', 'staticcheck']);
    expect(vet?.status).toBe('succeeded');
    expect(located(vet as never)).toEqual(['govet/printf main.go:10']);
    expect(located(sc as never)).toEqual(['SA5009 main.go:10', 'S1003 main.go:11', 'S1025 main.go:14']);
  });

  it('clippy checks a copy of the crate (the repository stays read-only) and finds four lints in rust-basic', async () => {
    const [r] = await run('rust-basic', ['clippy']);
    expect(r?.status, r?.reason).toBe('succeeded');
    expect(located(r as never).sort()).toEqual([
      'clippy::len_zero src/main.rs:12',
      'clippy::needless_range_loop src/main.rs:4',
      'clippy::needless_return src/main.rs:7',
      'clippy::ptr_arg src/main.rs:2',
    ]);
  });

  it('Safety without an API key is "not configured" with the fix; with one but no way to its server, it failed', async () => {
    const [unset] = await run('python-basic', ['safety']);
    expect(unset?.status).toBe('not_configured');
    expect(unset?.reason).toMatch(/set SAFETY_API_KEY/);
    process.env.SAFETY_API_KEY = 'not-a-real-key';
    const [offline] = await run('python-basic', ['safety']);
    expect(offline?.status).toBe('failed');
    expect(offline?.findings).toEqual([]);
  });

  it('Snyk is reported as not run with its reason: not installed (its CLI downloads from Snyk) or not configured', async () => {
    const [r] = await run('python-basic', ['snyk']);
    expect(['not_installed', 'not_configured']).toContain(r?.status);
    expect(r?.reason).toBeTruthy();
  });
});
