/**
 * The analysis benchmark's pure parts (bench/analysis.ts): the parallel limit and the per-tool finding counters that
 * read each tool's raw output without Orbit's parsers. Separate so test/bench/analysis-harness.test.ts can check them.
 */

export { median } from './stats.ts';

/** One tool's run: its wall time and its CPU time (user + system, children included). */
export interface ToolTiming {
  wallMs: number;
  cpuMs: number;
}

/**
 * The best a parallel run of these tools can do on `cores` cores: it cannot finish before its longest tool, nor
 * before all the tools' CPU time spread evenly over the cores.
 */
export function parallelLimit(tools: ToolTiming[], cores: number): { longest: number; cpu: number; limit: number } {
  const longest = Math.max(0, ...tools.map((t) => t.wallMs));
  const cpu = tools.reduce((s, t) => s + t.cpuMs, 0);
  return { longest, cpu, limit: Math.max(longest, cpu / Math.max(1, cores)) };
}

/** Raw finding counts from each tool's own output, independent of Orbit's parsers. */
export const COUNTERS: Record<string, (out: { stdout: string; stderr: string }) => number> = {
  ruff: ({ stdout }) => (JSON.parse(stdout) as unknown[]).length,
  pylint: ({ stdout }) => (JSON.parse(stdout) as { messages: unknown[] }).messages.length,
  flake8: ({ stdout }) => stdout.split('\n').filter((l) => l.trim()).length,
  black: ({ stderr }) => stderr.split('\n').filter((l) => /^(would reformat|error: cannot format) /.test(l)).length,
  bandit: ({ stdout }) => (JSON.parse(stdout) as { results: unknown[] }).results.length,
  // mypy prints notes that explain the error just above them on the same line: Orbit folds those into the error.
  mypy: ({ stdout }) => {
    let n = 0;
    let last = '';
    for (const line of stdout.split('\n').filter((l) => l.trim())) {
      const d = JSON.parse(line) as { file: string; line: number; severity: string };
      const here = `${d.file}:${d.line}`;
      if (!(d.severity === 'note' && here === last)) n++;
      if (d.severity !== 'note') last = here;
    }
    return n;
  },
  shellcheck: ({ stdout }) => (JSON.parse(stdout) as { comments: unknown[] }).comments.length,
  yamllint: ({ stdout }) => stdout.split('\n').filter((l) => l.trim()).length,
  codespell: ({ stdout }) => stdout.split('\n').filter((l) => l.includes('==>')).length,
  semgrep: ({ stdout }) => (JSON.parse(stdout) as { results: unknown[] }).results.length,
  gitleaks: ({ stdout }) => (JSON.parse(stdout) as unknown[]).length,
  eslint: ({ stdout }) => (JSON.parse(stdout) as { messages: unknown[] }[]).reduce((n, f) => n + f.messages.length, 0),
  // Files it would reformat (stdout), plus files it could not parse at all (stderr `[error] FILE: SyntaxError: …`).
  prettier: ({ stdout, stderr }) =>
    stdout.split('\n').filter((l) => l.trim()).length +
    stderr.split('\n').filter((l) => /^\[error\] .+?: SyntaxError: /.test(l)).length,
  rubocop: ({ stdout }) => (JSON.parse(stdout) as { summary: { offense_count: number } }).summary.offense_count,
  // Errors without a location are run-level notes (e.g. a missing system include), not findings of the code.
  cppcheck: ({ stderr }) => (stderr.match(/<error [^>]*>\s*<location /g) ?? []).length,
  checkstyle: ({ stdout }) => (stdout.match(/<error /g) ?? []).length,
  govet: ({ stdout, stderr }) => (`${stdout}${stderr}`.match(/"posn":/g) ?? []).length,
  staticcheck: ({ stdout }) => stdout.split('\n').filter((l) => l.trim()).length,
  clippy: ({ stdout }) =>
    stdout.split('\n').filter((l) => l.includes('"reason":"compiler-message"') && /"code":\{"code":"/.test(l)).length,
};
