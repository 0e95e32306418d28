import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  listFindings,
  MARKDOWN_MAX_CHARS,
  renderHtmlReport,
  renderJsonReport,
  renderMarkdownReport,
  renderReport,
  reportInput,
} from '../../src/analysis/reports/index.ts';
import { buildSarifLog, type RawFinding, type ToolRunResult, validateSarif } from '../../src/analysis/sarif/index.ts';
import { itWhen } from '../support/services.ts';
import { REPO, readFixture, sampleResults } from './sarif-fixtures.ts';

function sampleInput(results: ToolRunResult[] = sampleResults()) {
  const sarif = buildSarifLog(results, { repoRoot: REPO, analysisId: 'an-1', readFile: readFixture });
  expect(validateSarif(sarif).errors).toEqual([]);
  return reportInput(sarif, results, { durationMs: 301_234 });
}

function manyFindings(n: number): ToolRunResult {
  const findings: RawFinding[] = Array.from({ length: n }, (_, i) => ({
    ruleId: `rule-${i % 9}`,
    level: i % 2 === 0 ? 'warning' : 'note',
    message: `A long enough message for finding number ${i} that explains the problem in some detail.`,
    file: `src/module-${i % 40}/file.ts`,
    startLine: (i % 300) + 1,
    helpUri: 'https://example.org/rules/x',
  }));
  return { tool: 'lint', status: 'succeeded', durationMs: 5, findings, notices: [] };
}

describe('summary and JSON report', () => {
  it('counts by severity, tool and file from the SARIF log and keeps tool statuses with reasons', () => {
    const input = sampleInput();
    const { summary } = input;
    expect(summary.totalFindings).toBe(5);
    expect(summary.bySeverity).toEqual({ error: 3, warning: 1, note: 1, none: 0 });
    expect(summary.byTool).toEqual({ eslint: 3, bandit: 2 });
    expect(summary.byFile).toEqual({ 'src/app.js': 3, 'app/run.py': 2 });
    expect(summary.durationMs).toBe(301_234);
    expect(summary.analysisId).toBe('an-1');
    expect(summary.notRun).toEqual([
      { tool: 'snyk', status: 'not_configured', reason: 'SNYK_TOKEN is not set; run `snyk auth` or set SNYK_TOKEN' },
      {
        tool: 'rubocop',
        status: 'not_installed',
        reason: 'rubocop not found on PATH; install with `gem install rubocop`',
      },
      { tool: 'semgrep', status: 'timed_out', reason: 'killed after 300000 ms' },
    ]);
    expect(summary.tools.find((t) => t.tool === 'bandit')).toMatchObject({ findings: 2, repairs: 1, version: '1.8.6' });

    const json = JSON.parse(renderJsonReport(input));
    expect(json.format).toBe('orbit.analysis-report/v1');
    expect(json.summary).toEqual(summary);
    expect(json.findings).toHaveLength(5);
    // Most severe first: bandit's security-severity 8.0 error leads.
    expect(json.findings[0]).toMatchObject({
      tool: 'bandit',
      ruleId: 'B602',
      file: 'app/run.py',
      startLine: 5,
      securitySeverity: '8.0',
    });
    expect(json.tools.find((t: { tool: string }) => t.tool === 'bandit').notices).toEqual([
      'bandit: 1 file skipped (syntax error)',
    ]);
  });

  it('renders the SARIF report as the log itself', () => {
    const input = sampleInput();
    expect(JSON.parse(renderReport('sarif', input))).toEqual(input.sarif);
  });
});

describe('Markdown report', () => {
  it('has the summary, the tools not run with reasons, and linked top findings with escaped text', () => {
    const md = renderMarkdownReport(sampleInput(), { linkBase: 'https://github.com/acme/demo/blob/abc123' });
    expect(md).toContain('**5 findings** (3 error · 1 warning · 1 note) from 5 tools in 5 min 1 s.');
    expect(md).toContain('| rubocop | **not_installed** | 0 | 0 ms |');
    expect(md).toContain(
      '- **snyk** — not_configured: SNYK\\_TOKEN is not set; run \\`snyk auth\\` or set SNYK\\_TOKEN',
    );
    expect(md).toContain('[app/run.py:5](https://github.com/acme/demo/blob/abc123/app/run.py#L5)');
    expect(md).toContain('[eqeqeq](https://eslint.org/docs/latest/rules/eqeqeq)');
    // A message carrying HTML must not render as HTML in a PR comment.
    expect(md).toContain('Parsing error: Unexpected token &lt;script&gt;');
    expect(md).not.toContain('<script>');
  });

  it('keeps a help link with parentheses inside its Markdown link', () => {
    const paren: ToolRunResult = {
      tool: 'p',
      status: 'succeeded',
      durationMs: 1,
      notices: [],
      findings: [{ ruleId: 'r', level: 'note', message: 'm', helpUri: 'https://example.org/wiki/Rule_(x)' }],
    };
    expect(renderMarkdownReport(sampleInput([paren]))).toContain('[r](https://example.org/wiki/Rule_%28x%29)');
  });

  it('stays under 65,000 characters and says how many findings it left out', () => {
    const results = [manyFindings(3_000)];
    const md = renderMarkdownReport(sampleInput(results), { maxFindings: 3_000 });
    expect(md.length).toBeLessThanOrEqual(MARKDOWN_MAX_CHARS);
    const rows = md.split('\n').filter((l) => l.startsWith('| warning') || l.startsWith('| note')).length;
    expect(rows).toBeGreaterThan(100);
    expect(md).toContain(`_${3_000 - rows} more findings not shown (kept under 65000 characters)`);
  });

  it('lists only the most severe findings by default and says so', () => {
    const md = renderMarkdownReport(sampleInput([manyFindings(250)]));
    expect(md).toContain('_50 more findings not shown (most severe first)');
  });
});

describe('HTML report', () => {
  const html = renderHtmlReport(sampleInput(), { readFile: readFixture });

  it('is self-contained: no external scripts, stylesheets, images or fonts', () => {
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).not.toMatch(/<(img|iframe|object|embed|source)\b/i);
    expect(html).not.toMatch(/url\(\s*['"]?https?:/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).toContain("default-src 'none'");
    // The only http(s) URLs are rule documentation links.
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0]);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url).toMatch(/^https:\/\/(eslint\.org|bandit\.readthedocs\.io)\//);
  });

  it('escapes markup in messages and snippets', () => {
    expect(html.match(/<script>/g)).toHaveLength(1); // the report's own inline script
    expect(html).toContain('Parsing error: Unexpected token &lt;script&gt;');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('has the overview, filters and a code snippet around each finding', () => {
    expect(html).toContain('<b class="error">3</b>error');
    expect(html).toContain('<span class="status-bad">not_installed</span>');
    expect(html).toContain('rubocop</b> — not_installed: rubocop not found on PATH');
    expect(html).toContain('<option value="bandit">bandit</option>');
    expect(html).toContain('id="q" type="search"');
    // The snippet of bandit B602 at app/run.py:5 shows lines 2–6 with line 5 highlighted.
    expect(html).toContain('<span class="hit"><i>5</i>    subprocess.call(cmd, shell=True)</span>');
    expect(html).toContain('<span><i>2</i>PASSWORD = &quot;hunter2&quot;</span>');
    expect(html.match(/<article class="finding"/g)).toHaveLength(5);
  });

  it('refuses javascript: links from a tool', () => {
    const evil: ToolRunResult = {
      tool: 'evil',
      status: 'succeeded',
      durationMs: 1,
      notices: [],
      findings: [
        { ruleId: 'x', level: 'error', message: 'm', file: 'a.js', startLine: 1, helpUri: 'javascript:alert(1)' },
      ],
    };
    const out = renderHtmlReport(sampleInput([evil]));
    expect(out).not.toContain('javascript:alert');
    expect(renderMarkdownReport(sampleInput([evil]))).not.toContain('javascript:');
  });

  it('caps the number of rendered findings and says how many are elsewhere', () => {
    const out = renderHtmlReport(sampleInput([manyFindings(30)]), { maxFindings: 10 });
    expect(out.match(/<article class="finding"/g)).toHaveLength(10);
    expect(out).toContain('20 more findings are in the SARIF and JSON reports.');
    expect(listFindings(sampleInput([manyFindings(30)]).sarif)).toHaveLength(30);
  });

  const dir = mkdtempSync(path.join(tmpdir(), 'orbit-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  itWhen(existsSync('/usr/bin/chromium'), 'chromium is not installed')(
    'filters by severity in real Chromium, offline',
    () => {
      // The page filters on load from its checkbox state; pre-unchecking "error" proves the script ran.
      const page = html.replace('data-sev="error" checked', 'data-sev="error"');
      const file = path.join(dir, 'report.html');
      writeFileSync(file, page);
      const dom = execFileSync(
        '/usr/bin/chromium',
        ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--dump-dom', `file://${file}`],
        { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] },
      );
      expect(dom).toContain('2 of 5 shown');
      expect(dom.match(/<article class="finding" data-level="error"[^>]* hidden=""/g)).toHaveLength(3);
    },
  );
});
