import type { DslDocument } from '../dsl/index.ts';
import { nodeSpec } from '../dsl/index.ts';
import { NODE_TYPE_WORDS, PATTERNS } from './features.ts';

/** What the knowledge base stores about a workflow besides its DSL. */
export interface WorkflowDescription {
  name: string;
  description: string;
  mode: string;
  /** Distinct node types, canonical names (legacy `variable-assigner` is `variable-aggregator`), sorted. */
  nodeTypes: string[];
  /** Names from `PATTERNS`, in that order. */
  patterns: string[];
  /** One English sentence: the mode, the nodes by type and the patterns. */
  summary: string;
  /** Text indexed with weight C: summary, node-type and pattern words, titles, prompts' first lines, variable names. */
  searchText: string;
}

type Data = Record<string, unknown>;

interface NodeFacts {
  id: string;
  type: string;
  data: Data;
}

const MAX_SEARCH_TEXT = 20_000;
const MAX_LINE = 200;

function isRecord(value: unknown): value is Data {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The first non-empty line of a prompt, without `{{#node.var#}}` references (noise to a text index). */
function firstLine(text: unknown): string | undefined {
  const s = str(text);
  if (!s) return undefined;
  for (const raw of s.split('\n')) {
    const line = raw
      .replace(/\{\{#[^}]*#\}\}/g, ' ')
      .replace(/\{\{[^}]*\}\}/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    if (line) return line.slice(0, MAX_LINE);
  }
  return undefined;
}

function nodesOf(document: DslDocument): NodeFacts[] {
  const out: NodeFacts[] = [];
  for (const value of document.workflow.graph.nodes as Data[]) {
    if (value.type === 'custom-note' || !isRecord(value.data) || typeof value.data.type !== 'string') continue;
    const written = value.data.type;
    out.push({ id: String(value.id), type: nodeSpec(written)?.type ?? written, data: value.data });
  }
  return out;
}

/** Several edges leaving one node through the same handle run at the same time in Dify. */
function hasParallelFanOut(document: DslDocument, nodeIds: Set<string>): boolean {
  const seen = new Map<string, number>();
  for (const edge of document.workflow.graph.edges as Data[]) {
    if (typeof edge.source !== 'string' || !nodeIds.has(edge.source)) continue;
    const key = `${edge.source}\u0000${typeof edge.sourceHandle === 'string' ? edge.sourceHandle : 'source'}`;
    const n = (seen.get(key) ?? 0) + 1;
    if (n >= 2) return true;
    seen.set(key, n);
  }
  return false;
}

function hasFileInput(nodes: NodeFacts[]): boolean {
  return nodes.some(
    (n) =>
      n.type === 'document-extractor' ||
      (n.type === 'start' &&
        Array.isArray(n.data.variables) &&
        n.data.variables.some((v) => isRecord(v) && (v.type === 'file' || v.type === 'file-list'))),
  );
}

function detectPatterns(document: DslDocument, nodes: NodeFacts[]): string[] {
  const types = new Set(nodes.map((n) => n.type));
  const count = (t: string) => nodes.filter((n) => n.type === t).length;
  const has: Record<string, boolean> = {
    branching: types.has('if-else') || types.has('question-classifier'),
    classification: types.has('question-classifier'),
    iteration: types.has('iteration'),
    loop: types.has('loop'),
    rag: types.has('knowledge-retrieval'),
    http: types.has('http-request'),
    code: types.has('code'),
    tool: types.has('tool'),
    agent: types.has('agent'),
    parallel: hasParallelFanOut(document, new Set(nodes.map((n) => n.id))),
    'human-input': types.has('human-input'),
    'multi-llm': count('llm') >= 2,
    extraction: types.has('parameter-extractor'),
    'file-input': hasFileInput(nodes),
    // in workflow apps an assigner writes loop variables, not conversation state
    'conversation-memory':
      document.app.mode === 'advanced-chat' &&
      (types.has('assigner') || (document.workflow.conversation_variables ?? []).length > 0),
    template: types.has('template-transform'),
    aggregation: types.has('variable-aggregator'),
    'error-handling': nodes.some((n) => typeof n.data.error_strategy === 'string' && n.data.error_strategy !== 'none'),
    trigger: [...types].some((t) => t.startsWith('trigger-')),
  };
  return PATTERNS.map((p) => p.name).filter((name) => has[name]);
}

function summarize(mode: string, nodes: NodeFacts[], patterns: string[]): string {
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.type, (counts.get(n.type) ?? 0) + 1);
  const parts = [...counts].map(([type, n]) => (n > 1 ? `${type} ×${n}` : type));
  const kind = mode === 'advanced-chat' ? 'Chatflow (advanced-chat) app' : 'Workflow app';
  const pattern = patterns.length ? ` Patterns: ${patterns.join(', ')}.` : '';
  return `${kind} with ${nodes.length} node${nodes.length === 1 ? '' : 's'}: ${parts.join(', ')}.${pattern}`;
}

/** The words of one node a person might search for: title, description, prompts' first lines, names it defines. */
function nodeText(node: NodeFacts): string[] {
  const d = node.data;
  const out: (string | undefined)[] = [str(d.title), firstLine(d.desc)];
  const each = (list: unknown, pick: (item: Data) => (string | undefined)[]) => {
    if (Array.isArray(list)) for (const item of list) if (isRecord(item)) out.push(...pick(item));
  };
  switch (node.type) {
    case 'start':
      each(d.variables, (v) => [str(v.variable), str(v.label)]);
      break;
    case 'end':
      each(d.outputs, (v) => [str(v.variable)]);
      break;
    case 'llm':
      if (Array.isArray(d.prompt_template)) each(d.prompt_template, (m) => [firstLine(m.text)]);
      else if (isRecord(d.prompt_template)) out.push(firstLine(d.prompt_template.text));
      break;
    case 'answer':
      out.push(firstLine(d.answer));
      break;
    case 'question-classifier':
      out.push(firstLine(d.instruction));
      each(d.classes, (c) => [firstLine(c.name)]);
      break;
    case 'parameter-extractor':
      out.push(firstLine(d.instruction));
      each(d.parameters, (p) => [str(p.name), firstLine(p.description)]);
      break;
    case 'code':
      if (isRecord(d.outputs)) out.push(...Object.keys(d.outputs));
      break;
    case 'template-transform':
      out.push(firstLine(d.template));
      break;
    case 'http-request':
      out.push(str(d.method), firstLine(d.url));
      break;
    case 'tool':
      out.push(str(d.provider_name), str(d.tool_name), str(d.tool_label));
      break;
    case 'agent':
      out.push(str(d.agent_strategy_name), str(d.agent_strategy_label));
      break;
  }
  return out.filter((s): s is string => s !== undefined);
}

/**
 * Derives what the knowledge base indexes from a validated DSL document. `name`/`description` override the app's
 * own; a missing description becomes the English summary, so every entry says what it is in words search can find.
 */
export function describeWorkflow(
  document: DslDocument,
  overrides: { name?: string | undefined; description?: string | undefined } = {},
): WorkflowDescription {
  const nodes = nodesOf(document);
  const mode = document.app.mode;
  const nodeTypes = [...new Set(nodes.map((n) => n.type))].sort();
  const patterns = detectPatterns(document, nodes);
  const summary = summarize(mode, nodes, patterns);
  const name = str(overrides.name) ?? str(document.app.name) ?? 'Untitled workflow';
  const description = str(overrides.description) ?? str(document.app.description) ?? summary;

  const variables = [
    ...(document.workflow.environment_variables ?? []).map((v) => v.name),
    ...(document.workflow.conversation_variables ?? []).map((v) => v.name),
  ];
  const lines = [
    summary,
    mode === 'advanced-chat' ? 'chatflow chat conversation' : 'workflow',
    ...nodeTypes.map((t) => [t, ...(NODE_TYPE_WORDS[t] ?? [])].join(' ')),
    ...patterns.map((p) => [p, ...(PATTERNS.find((d) => d.name === p)?.words ?? [])].join(' ')),
    ...nodes.flatMap(nodeText),
    ...variables,
  ];
  const searchText = [...new Set(lines)].join('\n').slice(0, MAX_SEARCH_TEXT);
  return { name, description, mode, nodeTypes, patterns, summary, searchText };
}
