import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSarif } from '../../src/analysis/index.ts';
import { toolEnvironment } from '../../src/analysis/toolchain/index.ts';
import { findTool, type ToolDescriptor } from '../../src/analysis/tools/index.ts';
import { sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import { api, startTestServer, type TestServer } from '../support/server.ts';
import { requirement } from '../support/services.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const sandbox = await sandboxAvailable();
const env = toolEnvironment();
const installed = ['ruff', 'bandit', 'gitleaks'].every((n) => (findTool(n) as ToolDescriptor).findExecutable(env));
const need = requirement(
  sandbox.available && installed,
  sandbox.available
    ? 'ruff, bandit and gitleaks are not installed (node bin/orbit.js tools install ruff bandit gitleaks)'
    : `the sandbox is unavailable: ${sandbox.reason}`,
);

async function waitForRun(base: string, id: string) {
  for (let i = 0; i < 1200; i++) {
    const r = await api(base, 'GET', `/v1/runs/${id}`);
    if (['succeeded', 'failed', 'cancelled'].includes(String(r.json.status))) return r.json;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`run ${id} did not finish`);
}

function git(cwd: string, ...args: string[]) {
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd, stdio: 'ignore' });
}

describe.skipIf(need.skip)('POST /v1/analyses: a run of kind analysis, reports as artifacts', () => {
  let t: TestServer;
  let allowed: string;
  let outside: string;
  let repo: string;
  beforeAll(async () => {
    allowed = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-roots-')));
    outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-outside-')));
    repo = path.join(allowed, 'python-basic');
    fs.cpSync(path.join(ROOT, 'examples/repos/python-basic'), repo, { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'sample');
    fs.mkdirSync(path.join(allowed, 'docs-only'));
    fs.writeFileSync(path.join(allowed, 'docs-only', 'notes.txt'), 'nothing for the tools here\n');
    fs.symlinkSync(outside, path.join(allowed, 'escape'));
    t = await startTestServer({ ORBIT_ALLOWED_ROOTS: allowed, ORBIT_ANALYSIS_MAX_REPO_MB: '1' });
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(allowed, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('analyses a server path: real findings of each tool, a valid SARIF log and every report stored', async () => {
    const r = await api(t.url, 'POST', '/v1/analyses', {
      body: { path: repo, tools: ['ruff', 'bandit', 'gitleaks'], formats: ['json', 'sarif', 'markdown', 'html'] },
    });
    expect(r.status).toBe(202);
    expect(r.json.kind).toBe('analysis');
    const done = await waitForRun(t.url, String(r.json.id));
    expect(done.status).toBe('succeeded');
    const result = done.output as { tools: { tool: string; status: string; findings: number }[]; sarifValid: boolean };
    expect(result.sarifValid).toBe(true);
    expect(result.tools.map((x) => [x.tool, x.status])).toEqual([
      ['ruff', 'succeeded'],
      ['bandit', 'succeeded'],
      ['gitleaks', 'succeeded'],
    ]);
    const sarif = await api(t.url, 'GET', `/v1/runs/${r.json.id}/artifacts/report.sarif`);
    expect(validateSarif(sarif.json).errors).toEqual([]);
    const runs = (sarif.json.runs as { tool: { driver: { name: string } }; results: { ruleId: string }[] }[]).map(
      (run) => [run.tool.driver.name, run.results.map((x) => x.ruleId)],
    );
    // The planted problems of examples/repos/python-basic: an unused import, a shell call, a fake API key.
    expect(runs).toEqual([
      ['ruff', expect.arrayContaining(['F401'])],
      ['bandit', expect.arrayContaining(['B602'])],
      ['gitleaks', ['generic-api-key']],
    ]);
    for (const [name, type] of [
      ['report.json', 'application/json'],
      ['report.md', 'text/markdown'],
      ['report.html', 'text/html'],
    ]) {
      const a = await api(t.url, 'GET', `/v1/runs/${r.json.id}/artifacts/${name}`);
      expect(a.status, name).toBe(200);
      expect(a.headers.get('content-type')).toContain(type);
    }
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/orbit_analysis_tool_runs_total\{tool="ruff",status="succeeded"\} [1-9]/);
    expect(metrics).toMatch(/orbit_analysis_findings_total\{severity="error"\} [1-9]/);
    expect(metrics).toMatch(/orbit_analysis_tool_duration_seconds_count\{tool="bandit"\} [1-9]/);
  });

  it('clones a git URL (file:// inside the allowed roots) and analyses the checkout', async () => {
    const r = await api(t.url, 'POST', '/v1/analyses', { body: { gitUrl: `file://${repo}`, tools: ['ruff'] } });
    expect(r.status).toBe(202);
    const done = await waitForRun(t.url, String(r.json.id));
    expect(done.status).toBe('succeeded');
    expect((done.output as { totalFindings: number }).totalFindings).toBeGreaterThan(0);
    const events = await api(t.url, 'GET', `/v1/runs/${r.json.id}/events`);
    expect(JSON.stringify(events.json)).toContain('analysis.cloned');
  });

  it('a repository with no applicable files succeeds with every tool "not applicable", never "clean"', async () => {
    const r = await api(t.url, 'POST', '/v1/analyses', {
      body: { path: path.join(allowed, 'docs-only'), tools: ['ruff', 'bandit'] },
    });
    const done = await waitForRun(t.url, String(r.json.id));
    expect(done.status).toBe('succeeded');
    expect((done.output as { tools: { status: string }[] }).tools.map((x) => x.status)).toEqual([
      'not_applicable',
      'not_applicable',
    ]);
  });

  it('refuses paths outside the allowed roots, traversal, symlinks out, and bad input before any run exists', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ path: outside }, 403, /outside the allowed roots/],
      [{ path: `${allowed}/../${path.basename(outside)}` }, 400, /contains "\.\."/],
      [{ path: path.join(allowed, 'escape') }, 403, /outside the allowed roots/],
      [{ path: 'relative/repo' }, 400, /not absolute/],
      [{ path: path.join(allowed, 'missing') }, 400, /does not exist/],
      [{ path: repo, gitUrl: 'https://example.invalid/r.git' }, 400, /exactly one of/],
      [{}, 400, /exactly one of/],
      [{ gitUrl: 'ext::sh -c touch% /tmp/pwned' }, 400, /cannot be cloned/],
      [{ gitUrl: '--upload-pack=touch /tmp/pwned' }, 400, /starts with "-"/],
      [{ gitUrl: `file://${outside}` }, 403, /outside the allowed roots/],
      [{ path: repo, tools: ['ruff', 'nope'] }, 400, /Unknown tool\(s\): nope/],
      [{ path: repo, mode: 'thorough' }, 400, /\/body\/mode/],
      [{ path: repo, extra: true }, 400, /extra/],
    ];
    const before = (await api(t.url, 'GET', '/v1/runs?kind=analysis')).json;
    for (const [body, status, detail] of cases) {
      const r = await api(t.url, 'POST', '/v1/analyses', { body });
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(String(r.json.detail), JSON.stringify(body)).toMatch(detail);
    }
    const after = (await api(t.url, 'GET', '/v1/runs?kind=analysis')).json;
    expect(JSON.stringify(after)).toEqual(JSON.stringify(before));
  });

  it('a git URL that fails to clone, or is too large, fails its run with the reason', async () => {
    const unreachable = await api(t.url, 'POST', '/v1/analyses', {
      body: { gitUrl: 'git://127.0.0.1:1/nothing.git', tools: ['ruff'] },
    });
    const failed = await waitForRun(t.url, String(unreachable.json.id));
    expect(failed.status).toBe('failed');
    expect(JSON.stringify(failed.error)).toMatch(/Cloning git:\/\/127\.0\.0\.1:1\/nothing\.git failed/);

    const big = path.join(allowed, 'big');
    fs.mkdirSync(big);
    fs.writeFileSync(path.join(big, 'blob.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
    git(big, 'init', '-q', '-b', 'main');
    git(big, 'add', '.');
    git(big, 'commit', '-qm', 'big');
    const large = await api(t.url, 'POST', '/v1/analyses', { body: { gitUrl: `file://${big}`, tools: ['ruff'] } });
    const tooLarge = await waitForRun(t.url, String(large.json.id));
    expect(tooLarge.status).toBe('failed');
    expect(JSON.stringify(tooLarge.error)).toMatch(/larger than|grew past/);
  });
});
