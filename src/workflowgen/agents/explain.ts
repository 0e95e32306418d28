import type { DslDocument } from '../dsl/index.ts';
import { dslToMermaid } from '../dsl/mermaid.ts';
import type { Design } from './schemas.ts';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const code = (s: string) => `\`${s.replaceAll('`', "'")}\``;

function firstLine(text: string, max = 160): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

const selector = (v: unknown) => (Array.isArray(v) ? code(v.join('.')) : '(none)');

/** What a node of this type does with its fields, in one or a few lines; written from the file itself. */
function details(data: Json): string[] {
  const out: string[] = [];
  switch (data.type) {
    case 'start':
      for (const v of Array.isArray(data.variables) ? data.variables.filter(isRecord) : []) {
        out.push(`input ${code(str(v.variable))} (${str(v.type)}${v.required ? ', required' : ''}): ${str(v.label)}`);
      }
      if (out.length === 0) out.push('no input variables');
      break;
    case 'end':
      for (const o of Array.isArray(data.outputs) ? data.outputs.filter(isRecord) : []) {
        out.push(`output ${code(str(o.variable))} ← ${selector(o.value_selector)}`);
      }
      break;
    case 'answer':
      out.push(`replies: ${code(firstLine(str(data.answer)))}`);
      break;
    case 'llm': {
      const model = isRecord(data.model) ? `${str(data.model.provider)}/${str(data.model.name)}` : '?';
      out.push(`model ${code(model)}`);
      const messages = Array.isArray(data.prompt_template) ? data.prompt_template : [data.prompt_template];
      for (const m of messages.filter(isRecord))
        out.push(`${str(m.role) || 'prompt'}: ${code(firstLine(str(m.text)))}`);
      break;
    }
    case 'if-else':
      for (const c of Array.isArray(data.cases) ? data.cases.filter(isRecord) : []) {
        const conditions = (Array.isArray(c.conditions) ? c.conditions.filter(isRecord) : []).map(
          (k) => `${selector(k.variable_selector)} ${str(k.comparison_operator)} ${JSON.stringify(k.value ?? '')}`,
        );
        out.push(`case ${code(str(c.case_id))}: ${conditions.join(` ${str(c.logical_operator)} `)}`);
      }
      out.push('otherwise: branch `false`');
      break;
    case 'question-classifier':
      for (const c of Array.isArray(data.classes) ? data.classes.filter(isRecord) : []) {
        out.push(`class ${code(str(c.id))}: ${str(c.name)}`);
      }
      break;
    case 'code':
      out.push(
        `${str(data.code_language)} code; outputs ${Object.keys(isRecord(data.outputs) ? data.outputs : {})
          .map(code)
          .join(', ')}`,
      );
      break;
    case 'http-request':
      out.push(`${str(data.method).toUpperCase()} ${code(str(data.url))}`);
      break;
    case 'iteration':
      out.push(`for each item of ${selector(data.iterator_selector)}, collects ${selector(data.output_selector)}`);
      break;
    case 'knowledge-retrieval':
      out.push(`searches the knowledge base for ${selector(data.query_variable_selector)}`);
      break;
    case 'variable-aggregator':
      out.push(
        `passes on whichever of ${(Array.isArray(data.variables) ? data.variables : []).map(selector).join(', ')} ran`,
      );
      break;
    case 'parameter-extractor':
      out.push(
        `extracts ${(Array.isArray(data.parameters) ? data.parameters.filter(isRecord) : []).map((p) => code(str(p.name))).join(', ')} from ${selector(data.query)}`,
      );
      break;
    case 'document-extractor':
      out.push(`reads the text of ${selector(data.variable_selector)}`);
      break;
    case 'template-transform':
      out.push(`template: ${code(firstLine(str(data.template)))}`);
      break;
  }
  return out;
}

/** A Markdown explanation of the app: what it is for, then each node with its purpose, settings and successors. */
export function explainWorkflow(document: DslDocument, design?: Design): string {
  const purposes = new Map((design?.nodes ?? []).map((n) => [n.id, n.purpose]));
  const nodes = (document.workflow.graph.nodes as Json[]).filter(
    (n) => isRecord(n) && isRecord(n.data) && n.type !== 'custom-note',
  );
  const edges = (document.workflow.graph.edges as Json[]).filter(isRecord);
  const titles = new Map(nodes.map((n) => [str(n.id), str((n.data as Json).title) || str(n.id)]));
  const lines = [
    `# ${document.app.name}`,
    '',
    document.app.description || '(no description)',
    '',
    `Mode: \`${document.app.mode}\` · ${nodes.length} nodes · ${edges.length} edges · DSL ${str(document.version)}`,
    '',
    '```mermaid',
    dslToMermaid(document),
    '```',
    '',
    '## Nodes',
  ];
  for (const n of nodes) {
    const data = n.data as Json;
    const id = str(n.id);
    lines.push('', `### ${str(data.title) || id} (\`${str(data.type)}\`, id \`${id}\`)`, '');
    const purpose = purposes.get(id) || str(data.desc);
    if (purpose) lines.push(purpose, '');
    if (typeof n.parentId === 'string') lines.push(`- inside ${code(titles.get(n.parentId) ?? n.parentId)}`);
    for (const d of details(data)) lines.push(`- ${d}`);
    const next = edges
      .filter((e) => e.source === id)
      .map((e) => {
        const handle = str(e.sourceHandle);
        const target = titles.get(str(e.target)) ?? str(e.target);
        return handle && handle !== 'source' ? `${code(handle)} → ${target}` : target;
      });
    if (next.length > 0) lines.push(`- next: ${next.join('; ')}`);
  }
  return `${lines.join('\n')}\n`;
}
