import {
  formatDuration,
  listFindings,
  location,
  type ReportFinding,
  type ReportInput,
  SEVERITIES,
  safeLink,
} from './summary.ts';

/** GitHub refuses comments longer than 65,536 characters; stay below with room for a bot's footer. */
export const MARKDOWN_MAX_CHARS = 65_000;

export interface MarkdownOptions {
  /** Prefix for file links, e.g. `https://github.com/o/r/blob/<sha>/`; without it locations are plain code. */
  linkBase?: string;
  maxChars?: number;
  /** At most this many findings are listed (most severe first). */
  maxFindings?: number;
  title?: string;
}

/** Text safe inside a Markdown table cell: no pipes, newlines, or HTML a comment would render. */
export function mdCell(text: string): string {
  return text
    .replace(/\r?\n|\r/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/([`*_[\]])/g, '\\$1')
    .trim();
}

function locationCell(f: ReportFinding, linkBase: string | undefined): string {
  const label = mdCell(location(f));
  if (!linkBase || f.file === undefined) return label;
  const path = f.file.split('/').map(encodeURIComponent).join('/');
  const anchor = f.startLine === undefined ? '' : `#L${f.startLine}`;
  return `[${label}](${linkBase.replace(/\/?$/, '/')}${path}${anchor})`;
}

function findingRow(f: ReportFinding, linkBase: string | undefined): string {
  const help = safeLink(f.helpUri);
  const rule = help ? `[${mdCell(f.ruleId)}](${help})` : mdCell(f.ruleId);
  return `| ${f.level} | ${mdCell(f.tool)} | ${rule} | ${locationCell(f, linkBase)} | ${mdCell(f.message).slice(0, 300)} |`;
}

/** A pull-request comment: summary, tool table, tools not run with reasons, top findings; capped in size. */
export function renderMarkdownReport(input: ReportInput, options: MarkdownOptions = {}): string {
  const { summary } = input;
  const maxChars = options.maxChars ?? MARKDOWN_MAX_CHARS;
  const maxFindings = options.maxFindings ?? 200;
  const head: string[] = [`## ${options.title ?? 'Orbit analysis'}`, ''];
  const counts = SEVERITIES.filter((s) => s !== 'none' || summary.bySeverity.none > 0)
    .map((s) => `${summary.bySeverity[s]} ${s}`)
    .join(' · ');
  head.push(
    `**${summary.totalFindings} findings** (${counts}) from ${summary.tools.length} tools in ${formatDuration(summary.durationMs)}.`,
    '',
    '| Tool | Status | Findings | Duration |',
    '| --- | --- | ---: | ---: |',
    ...summary.tools.map(
      (t) =>
        `| ${mdCell(t.tool)}${t.version ? ` ${mdCell(t.version)}` : ''} | ${t.status === 'succeeded' ? 'ran' : `**${t.status}**`} | ${t.findings} | ${formatDuration(t.durationMs)} |`,
    ),
    '',
  );
  if (summary.notRun.length > 0) {
    head.push('### Tools not run', '');
    for (const t of summary.notRun) head.push(`- **${mdCell(t.tool)}** — ${t.status}: ${mdCell(t.reason)}`);
    head.push('');
  }
  const findings = listFindings(input.sarif);
  if (findings.length === 0) {
    head.push('No findings.');
    return clamp(head.join('\n'), maxChars);
  }
  head.push(
    `### Top findings`,
    '',
    '| Severity | Tool | Rule | Location | Message |',
    '| --- | --- | --- | --- | --- |',
  );
  let text = head.join('\n');
  const reserve = 200; // room for the "not shown" note
  let shown = 0;
  for (const f of findings.slice(0, maxFindings)) {
    const row = `\n${findingRow(f, options.linkBase)}`;
    if (text.length + row.length > maxChars - reserve) break;
    text += row;
    shown += 1;
  }
  if (shown < findings.length) {
    const why =
      shown < Math.min(maxFindings, findings.length) ? `kept under ${maxChars} characters` : 'most severe first';
    text += `\n\n_${findings.length - shown} more findings not shown (${why}); the HTML and SARIF reports have all of them._`;
  }
  return clamp(`${text}\n`, maxChars);
}

/** Last guard for pathological headers (thousands of tools): cut and say so. */
function clamp(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const note = '\n\n_Report truncated to fit a comment; see the HTML and SARIF reports._\n';
  return text.slice(0, maxChars - note.length) + note;
}
