import type { DslDocument } from './index.ts';

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Mermaid ids must be plain; Dify ids are often numeric strings or contain dashes. */
function mid(id: string): string {
  return `n_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** Text inside a Mermaid label: quotes and brackets would end it early. */
function label(text: string): string {
  return (
    text
      .replace(/["[\]{}<>|]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim() || '?'
  );
}

const SHAPES: Record<string, [string, string]> = {
  start: ['([', '])'],
  end: ['([', '])'],
  answer: ['([', '])'],
  'if-else': ['{', '}'],
  'question-classifier': ['{', '}'],
};

/** Readable names for branch handles: a classifier's class names, an if-else's cases ("if", "elif 2", "else"). */
function branchNames(nodes: Json[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const n of nodes) {
    const data = n.data as Json;
    const id = String(n.id);
    if (data.type === 'question-classifier' && Array.isArray(data.classes)) {
      for (const c of data.classes.filter(isRecord)) {
        const name = String(c.name ?? c.id);
        names.set(`${id}/${String(c.id)}`, name.length > 28 ? `${name.slice(0, 27)}…` : name);
      }
    }
    if (data.type === 'if-else') {
      const cases = Array.isArray(data.cases) ? data.cases.filter(isRecord) : [];
      for (const [i, c] of cases.entries())
        names.set(`${id}/${String(c.case_id ?? c.id)}`, i === 0 ? 'if' : `elif ${i + 1}`);
      names.set(`${id}/false`, 'else');
    }
  }
  return names;
}

/**
 * A picture of a workflow's graph as a Mermaid flowchart (GitHub and most Markdown viewers draw it): one box per
 * node with its title and type, branches labelled with their handle, iteration and loop children inside their
 * container.
 */
export function dslToMermaid(document: DslDocument): string {
  const nodes = (document.workflow.graph.nodes as unknown[]).filter(
    (n): n is Json => isRecord(n) && isRecord(n.data) && n.type !== 'custom-note',
  );
  const edges = (document.workflow.graph.edges as unknown[]).filter(isRecord);
  const lines = ['flowchart LR'];
  const box = (n: Json) => {
    const data = n.data as Json;
    const type = String(data.type ?? '?');
    const [open, close] = SHAPES[type] ?? ['[', ']'];
    return `${mid(String(n.id))}${open}"${label(String(data.title ?? n.id))}<br/><small>${label(type)}</small>"${close}`;
  };
  const children = new Map<string, Json[]>();
  for (const n of nodes) {
    if (typeof n.parentId === 'string') children.set(n.parentId, [...(children.get(n.parentId) ?? []), n]);
  }
  for (const n of nodes) {
    if (typeof n.parentId === 'string') continue;
    const inner = children.get(String(n.id));
    if (!inner) {
      lines.push(`  ${box(n)}`);
      continue;
    }
    lines.push(`  subgraph ${mid(String(n.id))}_group["${label(String((n.data as Json).title ?? n.id))}"]`);
    lines.push(`    ${box(n)}`);
    for (const c of inner) lines.push(`    ${box(c)}`);
    lines.push('  end');
  }
  const names = branchNames(nodes);
  for (const e of edges) {
    const handle = String(e.sourceHandle ?? 'source');
    const name = names.get(`${String(e.source)}/${handle}`) ?? handle;
    const arrow = handle && handle !== 'source' ? `-- "${label(name)}" -->` : '-->';
    lines.push(`  ${mid(String(e.source))} ${arrow} ${mid(String(e.target))}`);
  }
  return lines.join('\n');
}
