import type { DslDocument } from '../dsl/index.ts';
import { edgeKey } from './normalize.ts';

export interface NodeRef {
  id: string;
  type: string;
  title: string;
}

export interface ChangedNode extends NodeRef {
  /** Top-level `data` fields whose value differs (and `type`/`parentId` when those changed). */
  fields: string[];
}

export interface EdgeRef {
  source: string;
  sourceHandle: string;
  target: string;
}

export interface WorkflowDiff {
  nodes: { added: NodeRef[]; removed: NodeRef[]; changed: ChangedNode[] };
  edges: { added: EdgeRef[]; removed: EdgeRef[] };
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Fields the editor rewrites on its own, and container bookkeeping Orbit derives from `parentId` (a move between
 * containers shows as a `parentId` change): a difference in them is not a change anyone asked for.
 */
const EDITOR_FIELDS = new Set(['selected', 'isInIteration', 'isInLoop', 'iteration_id', 'loop_id']);

interface NodeFacts extends NodeRef {
  parentId: string | undefined;
  data: Json;
}

function nodesOf(document: DslDocument): Map<string, NodeFacts> {
  const out = new Map<string, NodeFacts>();
  for (const n of document.workflow.graph.nodes as Json[]) {
    if (!isRecord(n) || typeof n.id !== 'string' || !isRecord(n.data) || n.type === 'custom-note') continue;
    out.set(n.id, {
      id: n.id,
      type: String(n.data.type),
      title: typeof n.data.title === 'string' ? n.data.title : '',
      parentId: typeof n.parentId === 'string' ? n.parentId : undefined,
      data: n.data,
    });
  }
  return out;
}

function edgesOf(document: DslDocument): Map<string, EdgeRef> {
  const out = new Map<string, EdgeRef>();
  for (const e of document.workflow.graph.edges as Json[]) {
    if (!isRecord(e)) continue;
    const ref = {
      source: String(e.source),
      sourceHandle: String(e.sourceHandle ?? 'source'),
      target: String(e.target),
    };
    out.set(edgeKey(ref.source, ref.sourceHandle, ref.target), ref);
  }
  return out;
}

/** Key order does not matter in YAML mappings, so values are compared with sorted keys. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    isRecord(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

/** Nodes (by id) and edges (by source, handle and target) added, removed or changed from `before` to `after`. */
export function diffWorkflows(before: DslDocument, after: DslDocument): WorkflowDiff {
  const a = nodesOf(before);
  const b = nodesOf(after);
  const ref = (n: NodeFacts): NodeRef => ({ id: n.id, type: n.type, title: n.title });
  const changed: ChangedNode[] = [];
  for (const [id, next] of b) {
    const prev = a.get(id);
    if (!prev) continue;
    const keys = new Set([...Object.keys(prev.data), ...Object.keys(next.data)]);
    // Orbit writes an empty `desc` where a file had none: the same thing
    const value = (data: Json, k: string) => (k === 'desc' ? (data[k] ?? '') : data[k]);
    const fields = [...keys].filter(
      (k) => !EDITOR_FIELDS.has(k) && canonical(value(prev.data, k)) !== canonical(value(next.data, k)),
    );
    if (prev.parentId !== next.parentId) fields.push('parentId');
    if (fields.length > 0) changed.push({ ...ref(next), fields: fields.sort() });
  }
  const ea = edgesOf(before);
  const eb = edgesOf(after);
  return {
    nodes: {
      added: [...b.values()].filter((n) => !a.has(n.id)).map(ref),
      removed: [...a.values()].filter((n) => !b.has(n.id)).map(ref),
      changed,
    },
    edges: {
      added: [...eb].filter(([k]) => !ea.has(k)).map(([, e]) => e),
      removed: [...ea].filter(([k]) => !eb.has(k)).map(([, e]) => e),
    },
  };
}

export function isEmptyDiff(diff: WorkflowDiff): boolean {
  return (
    diff.nodes.added.length + diff.nodes.removed.length + diff.nodes.changed.length === 0 &&
    diff.edges.added.length + diff.edges.removed.length === 0
  );
}

const nodeLine = (sign: string, n: NodeRef) => `${sign} \`${n.id}\` ${n.type} "${n.title}"`;
const edgeLine = (sign: string, e: EdgeRef) =>
  `${sign} \`${e.source}\` → \`${e.target}\`${e.sourceHandle === 'source' ? '' : ` (branch \`${e.sourceHandle}\`)`}`;

/** The diff as Markdown: one line per added (+), removed (−) or changed (~) node and edge. */
export function renderDiff(diff: WorkflowDiff): string {
  const lines = ['# Changes', ''];
  if (isEmptyDiff(diff)) return `${lines.join('\n')}No node or edge changed.\n`;
  lines.push(
    `Nodes: ${diff.nodes.added.length} added, ${diff.nodes.removed.length} removed, ${diff.nodes.changed.length} changed. ` +
      `Edges: ${diff.edges.added.length} added, ${diff.edges.removed.length} removed.`,
    '',
    '## Nodes',
    '',
  );
  for (const n of diff.nodes.added) lines.push(nodeLine('+', n));
  for (const n of diff.nodes.removed) lines.push(nodeLine('−', n));
  for (const n of diff.nodes.changed) lines.push(`${nodeLine('~', n)}: ${n.fields.join(', ')}`);
  if (diff.nodes.added.length + diff.nodes.removed.length + diff.nodes.changed.length === 0) lines.push('(none)');
  lines.push('', '## Edges', '');
  for (const e of diff.edges.added) lines.push(edgeLine('+', e));
  for (const e of diff.edges.removed) lines.push(edgeLine('−', e));
  if (diff.edges.added.length + diff.edges.removed.length === 0) lines.push('(none)');
  return `${lines.join('\n')}\n`;
}
