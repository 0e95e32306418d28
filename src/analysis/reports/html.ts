import type { ReadRepoFile } from '../sarif/fingerprint.ts';
import {
  formatDuration,
  listFindings,
  location,
  type ReportFinding,
  type ReportInput,
  SEVERITIES,
  safeLink,
} from './summary.ts';

export interface HtmlOptions {
  /** Reads a repo-relative file for the code snippets; without it findings show no code. */
  readFile?: ReadRepoFile;
  title?: string;
  /** Lines shown above and below the flagged lines. */
  contextLines?: number;
  /** Findings beyond this are counted but not rendered, to keep the file openable. */
  maxFindings?: number;
}

export const HTML_MAX_FINDINGS = 5_000;
const MAX_SNIPPET_LINES = 20;
const MAX_LINE_CHARS = 400;

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function snippet(f: ReportFinding, lines: string[] | undefined, context: number): string {
  if (!lines || f.startLine === undefined || f.startLine > lines.length) return '';
  const first = Math.max(1, f.startLine - context);
  const lastFlagged = Math.min(f.endLine ?? f.startLine, f.startLine + MAX_SNIPPET_LINES);
  const last = Math.min(lines.length, lastFlagged + context);
  const rows: string[] = [];
  for (let n = first; n <= last; n++) {
    const raw = lines[n - 1] ?? '';
    const text = raw.length > MAX_LINE_CHARS ? `${raw.slice(0, MAX_LINE_CHARS)}…` : raw;
    const hit = n >= f.startLine && n <= lastFlagged ? ' class="hit"' : '';
    rows.push(`<span${hit}><i>${n}</i>${escapeHtml(text)}</span>`);
  }
  // Each line is a block span; newlines between them would double the spacing inside <pre>.
  return `<pre class="code">${rows.join('')}</pre>`;
}

function fileReader(readFile: ReadRepoFile | undefined): (rel: string) => string[] | undefined {
  const cache = new Map<string, string[] | undefined>();
  return (rel) => {
    if (!cache.has(rel)) {
      let content: string | undefined;
      try {
        content = readFile?.(rel);
      } catch {
        content = undefined;
      }
      // A NUL byte means binary: no snippet rather than garbage.
      cache.set(rel, content === undefined || content.includes('\0') ? undefined : content.split(/\r\n|\r|\n/));
    }
    return cache.get(rel);
  };
}

function table(head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

const STYLE = `
:root{--bg:#fff;--fg:#1f2328;--mut:#59636e;--line:#d1d9e0;--err:#cf222e;--warn:#9a6700;--note:#0969da;--hit:#fff8c5}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:var(--fg);background:var(--bg)}
header,main{max-width:1200px;margin:0 auto;padding:16px 24px}h1{font-size:22px;margin:8px 0}h2{font-size:17px;margin:24px 0 8px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:110px}
.card b{display:block;font-size:22px}.error{color:var(--err)}.warning{color:var(--warn)}.note,.none{color:var(--note)}
table{border-collapse:collapse;width:100%;margin:4px 0}th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:24px}@media(max-width:800px){.grid{grid-template-columns:1fr}}
.filters{position:sticky;top:0;background:var(--bg);padding:8px 0;border-bottom:1px solid var(--line);display:flex;gap:12px;flex-wrap:wrap;align-items:center}
.filters input[type=search]{flex:1;min-width:200px;padding:4px 8px}.finding{border:1px solid var(--line);border-radius:8px;margin:10px 0;padding:8px 12px}
.finding h3{font-size:14px;margin:0 0 4px;display:flex;gap:8px;flex-wrap:wrap}.badge{font-weight:600;text-transform:uppercase;font-size:12px}
.loc{font-family:ui-monospace,monospace}.msg{margin:4px 0;white-space:pre-wrap}.code{background:#f6f8fa;padding:6px 0;overflow-x:auto;font:12px/1.5 ui-monospace,monospace;margin:6px 0 0}
.code span{display:block;padding:0 8px;white-space:pre}.code span.hit{background:var(--hit)}.code i{display:inline-block;width:4em;color:var(--mut);font-style:normal;user-select:none}
.muted{color:var(--mut)}.status-bad{color:var(--err);font-weight:600}
`;

/** Filters run on data-* attributes of server-rendered findings, so the page also reads without scripts. */
const SCRIPT = `
(function(){
  var q=document.getElementById('q'),tool=document.getElementById('tool'),count=document.getElementById('count');
  var boxes=[].slice.call(document.querySelectorAll('input[data-sev]'));
  var items=[].slice.call(document.querySelectorAll('.finding'));
  function apply(){
    var text=q.value.toLowerCase(),t=tool.value,on={},shown=0;
    boxes.forEach(function(b){on[b.getAttribute('data-sev')]=b.checked;});
    items.forEach(function(el){
      var ok=on[el.getAttribute('data-level')]&&(!t||el.getAttribute('data-tool')===t)&&
        (!text||el.getAttribute('data-search').indexOf(text)>=0);
      el.hidden=!ok;if(ok)shown++;
    });
    count.textContent=shown+' of '+items.length+' shown';
  }
  q.addEventListener('input',apply);tool.addEventListener('change',apply);
  boxes.forEach(function(b){b.addEventListener('change',apply);});apply();
})();
`;

/** One self-contained HTML file: no external assets, inline CSS/JS, works offline. */
export function renderHtmlReport(input: ReportInput, options: HtmlOptions = {}): string {
  const { summary } = input;
  const title = options.title ?? 'Orbit analysis report';
  const context = options.contextLines ?? 3;
  const maxFindings = options.maxFindings ?? HTML_MAX_FINDINGS;
  const linesOf = fileReader(options.readFile);
  const findings = listFindings(input.sarif);
  const shown = findings.slice(0, maxFindings);

  const subtitle = [
    summary.analysisId ? `Analysis ${summary.analysisId}` : '',
    summary.startedAt ? `started ${summary.startedAt}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const cards = [
    `<div class="card"><b>${summary.totalFindings}</b>findings</div>`,
    ...SEVERITIES.map((s) => `<div class="card"><b class="${s}">${summary.bySeverity[s]}</b>${s}</div>`),
    `<div class="card"><b>${summary.tools.length}</b>tools</div>`,
    `<div class="card"><b>${escapeHtml(formatDuration(summary.durationMs))}</b>duration</div>`,
  ].join('');

  const toolRows = summary.tools.map((t) => [
    escapeHtml(t.tool + (t.version ? ` ${t.version}` : '')),
    t.status === 'succeeded' ? 'ran' : `<span class="status-bad">${escapeHtml(t.status)}</span>`,
    String(t.findings),
    escapeHtml(formatDuration(t.durationMs)),
    escapeHtml(t.reason ?? ''),
  ]);
  const topFiles = Object.entries(summary.byFile)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 25)
    .map(([file, n]) => [`<span class="loc">${escapeHtml(file)}</span>`, String(n)]);

  const toolOptions = [...new Set(findings.map((f) => f.tool))]
    .map((t) => `<option value="${escapeHtml(t)}">${escapeHtml(t)}</option>`)
    .join('');
  const severityBoxes = SEVERITIES.map(
    (s) => `<label><input type="checkbox" data-sev="${s}" checked> <span class="${s}">${s}</span></label>`,
  ).join(' ');

  const items = shown.map((f) => {
    const help = safeLink(f.helpUri);
    const rule = help
      ? `<a href="${escapeHtml(help)}" rel="noreferrer noopener">${escapeHtml(f.ruleId)}</a>`
      : escapeHtml(f.ruleId);
    const search = `${f.file ?? ''} ${f.ruleId} ${f.message}`.toLowerCase();
    const code = f.file === undefined ? '' : snippet(f, linesOf(f.file), context);
    return [
      `<article class="finding" data-level="${f.level}" data-tool="${escapeHtml(f.tool)}" data-search="${escapeHtml(search)}">`,
      `<h3><span class="badge ${f.level}">${f.level}</span><span class="loc">${escapeHtml(location(f))}</span>`,
      `<span class="muted">${escapeHtml(f.tool)} · ${rule}${f.securitySeverity ? ` · severity ${escapeHtml(f.securitySeverity)}` : ''}</span></h3>`,
      `<p class="msg">${escapeHtml(f.message)}</p>${code}</article>`,
    ].join('');
  });
  const omitted =
    findings.length > shown.length
      ? `<p class="muted">${findings.length - shown.length} more findings are in the SARIF and JSON reports.</p>`
      : '';
  const notRun =
    summary.notRun.length === 0
      ? ''
      : `<h2>Tools not run</h2><ul>${summary.notRun
          .map((t) => `<li><b>${escapeHtml(t.tool)}</b> — ${escapeHtml(t.status)}: ${escapeHtml(t.reason)}</li>`)
          .join('')}</ul>`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1>
<p class="muted">${escapeHtml(subtitle)}</p>
<div class="cards">${cards}</div></header>
<main>
${notRun}
<div class="grid"><section><h2>By tool</h2>${table(['Tool', 'Status', 'Findings', 'Duration', 'Reason'], toolRows)}</section>
<section><h2>By file</h2>${topFiles.length > 0 ? table(['File', 'Findings'], topFiles) : '<p class="muted">No findings in files.</p>'}</section></div>
<h2>Findings</h2>
<div class="filters">${severityBoxes}
<select id="tool" aria-label="Tool"><option value="">All tools</option>${toolOptions}</select>
<input id="q" type="search" placeholder="Filter by file, rule or message" aria-label="Filter">
<span id="count" class="muted">${shown.length} shown</span></div>
${items.join('\n')}
${omitted}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
