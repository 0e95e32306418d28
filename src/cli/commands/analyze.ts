import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import {
  ANALYSIS_FORMATS,
  type AnalysisFormat,
  type AnalysisMode,
  type AnalysisReport,
  cloneRepository,
  MODES,
  REPORT_FILE_NAMES,
  renderPdf,
  runAnalysis,
  splitForGithub,
  TOOLS,
  type ToolProgress,
} from '../../analysis/index.ts';
import { CliError } from '../output.ts';
import { action } from '../run.ts';

const LEVELS = ['error', 'warning', 'note', 'none'] as const;
type FailOn = (typeof LEVELS)[number];

/** Exit codes, documented in --help and docs/analysis.md. */
export const ANALYZE_EXIT = { clean: 0, findings: 1, usage: 2, incomplete: 3 } as const;

const looksLikeGitUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^[\w.-]+@[\w.-]+:/.test(s);

function parseList(value: string, known: readonly string[], what: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = items.filter((i) => !known.includes(i));
  if (items.length === 0 || unknown.length > 0) {
    throw new CliError(
      `Unknown ${what}: ${unknown.join(', ') || '(none given)'}. Choose from: ${known.join(', ')}.`,
      ANALYZE_EXIT.usage,
    );
  }
  return [...new Set(items)];
}

/** A live view of the tools: one line per tool as it starts and ends, and a status line of what still runs. */
class ToolBoard {
  private readonly running = new Map<string, number>();
  private done = 0;
  private statusShown = false;

  constructor(
    private readonly total: number,
    private readonly interactive: boolean,
  ) {}

  update(e: ToolProgress): void {
    this.clearStatus();
    if (e.phase === 'started') this.running.set(e.tool, Date.now());
    else {
      this.running.delete(e.tool);
      this.done += 1;
      const mark = e.status === 'succeeded' ? '✓' : e.status === 'not_applicable' ? '·' : '✗';
      const what =
        e.status === 'succeeded'
          ? `${e.findings} finding${e.findings === 1 ? '' : 's'}`
          : `${e.status.replace('_', ' ')}${e.reason ? `: ${e.reason.split('\n')[0]}` : ''}`;
      const time = e.durationMs > 0 ? ` (${(e.durationMs / 1000).toFixed(1)} s)` : '';
      process.stderr.write(`  ${mark} ${e.tool.padEnd(12)} ${what}${time}\n`);
    }
    this.showStatus();
  }

  private showStatus(): void {
    if (!this.interactive || this.running.size === 0) return;
    const names = [...this.running.keys()].join(', ');
    const line = `  [${this.done}/${this.total}] running: ${names}`;
    process.stderr.write(line.length > 118 ? `${line.slice(0, 115)}...` : line);
    this.statusShown = true;
  }

  clearStatus(): void {
    if (this.statusShown) process.stderr.write('\r\x1b[2K');
    this.statusShown = false;
  }
}

function summaryText(report: AnalysisReport, written: string[]): string {
  const s = report.summary;
  const lines = [
    '',
    `${s.totalFindings} finding(s): ${
      LEVELS.filter((l) => s.bySeverity[l] > 0)
        .map((l) => `${s.bySeverity[l]} ${l}`)
        .join(', ') || 'none'
    } — ${(report.durationMs / 1000).toFixed(1)} s`,
  ];
  const notRun = s.notRun.filter((n) => n.status !== 'not_applicable');
  if (notRun.length > 0) {
    lines.push('Not run (their findings are unknown, not zero):');
    for (const n of notRun) lines.push(`  ${n.tool}: ${n.status.replace('_', ' ')}: ${n.reason.split('\n')[0]}`);
  }
  if (!report.validation.valid) lines.push(`SARIF log failed schema validation: ${report.validation.errors[0]}`);
  if (written.length > 0) lines.push(`Reports: ${written.join(', ')}`);
  return lines.join('\n');
}

/** `orbit analyze`: runs the analysis in this process, no server or database needed. */
export function analyzeCommand(): Command {
  return new Command('analyze')
    .description('Run real analysis and security tools over a repository in parallel; write SARIF and reports.')
    .argument('[source]', 'a directory, or a git URL to clone (shallow)', '.')
    .addOption(
      new Option('--mode <mode>', 'named tool set (see `orbit tools list`)')
        .choices(Object.keys(MODES))
        .default('standard'),
    )
    .option('--tools <names>', 'exactly these tools, comma-separated (overrides --mode)')
    .option(
      '--format <formats>',
      `reports to write, comma-separated: ${ANALYSIS_FORMATS.join(', ')}, github-sarif`,
      'json,sarif,markdown,html',
    )
    .option('--out <dir>', 'directory for the reports', 'orbit-report')
    .addOption(
      new Option('--fail-on <level>', 'exit 1 when a finding at this level or above exists')
        .choices(LEVELS)
        .default('warning'),
    )
    .option('--ref <ref>', 'branch or tag to clone (git URLs)')
    .option('--concurrency <n>', 'tools running at once (default: the number of cores)')
    .option('--timeout <seconds>', 'time limit per tool', '300')
    .addHelpText(
      'after',
      `
Each tool runs once over its files, inside the sandbox (no network, read-only repository), with the
repository's own configs where it has them. Tools that are missing or need a service you have not
configured are listed as "not run" with the fix — never as clean. Install tools with \`orbit tools install\`.

Exit codes: 0 no findings at --fail-on or above; 1 such findings; 2 bad usage or source;
3 no such findings, but a tool failed or timed out, or a tool named with --tools is not installed
or not configured (the result is incomplete).

Examples:
  $ orbit analyze                                   the current directory, standard tools
  $ orbit analyze examples/repos/python-basic --mode deep --format html,pdf --out /tmp/report
  $ orbit analyze https://github.com/pallets/flask.git --tools ruff,bandit,gitleaks --fail-on error
  $ orbit analyze . --format github-sarif           SARIF split to GitHub code scanning's upload limits
  $ orbit analyze . --json | jq .summary.bySeverity`,
    )
    .action(
      action(
        async (
          { out },
          source: string,
          opts: {
            mode: AnalysisMode;
            tools?: string;
            format: string;
            out: string;
            failOn: FailOn;
            ref?: string;
            concurrency?: string;
            timeout: string;
          },
        ) => {
          const formats = parseList(opts.format, [...ANALYSIS_FORMATS, 'github-sarif'], 'format') as (
            | AnalysisFormat
            | 'github-sarif'
          )[];
          const tools = opts.tools
            ? parseList(
                opts.tools,
                TOOLS.map((t) => t.name),
                'tool',
              )
            : undefined;
          const timeout = Number(opts.timeout);
          const concurrency = opts.concurrency === undefined ? undefined : Number(opts.concurrency);
          if (!Number.isInteger(timeout) || timeout < 1) {
            throw new CliError(
              `--timeout must be a whole number of seconds, not "${opts.timeout}".`,
              ANALYZE_EXIT.usage,
            );
          }
          if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
            throw new CliError(
              `--concurrency must be a positive whole number, not "${opts.concurrency}".`,
              ANALYZE_EXIT.usage,
            );
          }

          let repoRoot = path.resolve(source);
          let cleanup = () => {};
          if (looksLikeGitUrl(source)) {
            if (source.startsWith('-')) throw new CliError(`"${source}" is not a git URL.`, ANALYZE_EXIT.usage);
            out.info(`Cloning ${source} …`);
            try {
              const clone = await cloneRepository(source, { ref: opts.ref, maxRepoBytes: 2 * 1024 ** 3 });
              repoRoot = clone.dir;
              cleanup = clone.remove;
            } catch (err) {
              throw new CliError((err as Error).message, ANALYZE_EXIT.usage);
            }
          } else if (!fs.existsSync(repoRoot) || !fs.statSync(repoRoot).isDirectory()) {
            throw new CliError(`${source} is not a directory (nor a git URL).`, ANALYZE_EXIT.usage);
          }

          try {
            const names = tools ?? MODES[opts.mode];
            const board = new ToolBoard(names.length, !out.json && Boolean(process.stderr.isTTY));
            out.info(`Analysing ${repoRoot} with ${names.length} tool(s): ${names.join(', ')}`);
            const report = await runAnalysis({
              repoRoot,
              tools: names,
              concurrency,
              timeoutMs: timeout * 1000,
              title: `Analysis of ${looksLikeGitUrl(source) ? source : path.basename(repoRoot)}`,
              formats: ['json', 'sarif', 'markdown', 'html'],
              onProgress: (e) => (out.json ? out.line({ progress: e }, '') : board.update(e)),
            });
            board.clearStatus();

            fs.mkdirSync(opts.out, { recursive: true });
            const written: string[] = [];
            const write = (name: string, data: string | Buffer) => {
              const file = path.join(opts.out, name);
              fs.writeFileSync(file, data);
              written.push(file);
            };
            for (const format of formats) {
              if (format === 'pdf') write('report.pdf', await renderPdf(report.reports.html ?? ''));
              else if (format === 'github-sarif') {
                const split = splitForGithub(report.sarif);
                for (const [i, log] of split.logs.entries())
                  write(`report.github-${i + 1}.sarif`, JSON.stringify(log, null, 2));
                for (const note of split.notes) out.info(`github-sarif: ${note}`);
              } else write(REPORT_FILE_NAMES[format], report.reports[format] ?? '');
            }

            const rank = LEVELS.indexOf(opts.failOn);
            const failing =
              opts.failOn === 'none'
                ? 0
                : LEVELS.slice(0, rank + 1).reduce((n, l) => n + report.summary.bySeverity[l], 0);
            // A tool the user named with --tools that could not run leaves the result incomplete, as a crash does.
            const notRun = (status: string) =>
              status === 'failed' ||
              status === 'timed_out' ||
              (tools !== undefined && (status === 'not_installed' || status === 'not_configured'));
            const incomplete = report.outcome.results.some((r) => notRun(r.status));
            const code =
              failing > 0 ? ANALYZE_EXIT.findings : incomplete ? ANALYZE_EXIT.incomplete : ANALYZE_EXIT.clean;
            out.result(
              {
                repoRoot: report.outcome.repoRoot,
                summary: report.summary,
                sarifValid: report.validation.valid,
                reports: written,
                exitCode: code,
              },
              summaryText(report, written),
            );
            return code;
          } finally {
            cleanup();
          }
        },
      ),
    );
}
