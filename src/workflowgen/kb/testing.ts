import { stringify } from 'yaml';

/** Small, valid DSL files for tests of the knowledge base, its routes and the CLI. */

interface Node {
  id: string;
  data: Record<string, unknown>;
}

function document(mode: 'workflow' | 'advanced-chat', name: string, description: string, nodes: Node[]) {
  const edges = nodes.slice(1).map((n, i) => ({
    id: `${nodes[i]!.id}-${n.id}`,
    source: nodes[i]!.id,
    sourceHandle: 'source',
    target: n.id,
    targetHandle: 'target',
    type: 'custom',
  }));
  return stringify({
    app: { name, description, mode, icon: '🤖' },
    kind: 'app',
    version: '0.6.0',
    workflow: {
      environment_variables: [],
      conversation_variables: [],
      graph: { nodes: nodes.map((n) => ({ id: n.id, type: 'custom', data: n.data })), edges },
    },
  });
}

/** A chatflow: start → llm (system prompt `prompt`) → answer. */
export function chatflowDsl(options: { name: string; description?: string; prompt: string }): string {
  return document('advanced-chat', options.name, options.description ?? '', [
    { id: 'start', data: { type: 'start', title: 'Start', variables: [] } },
    {
      id: 'llm',
      data: {
        type: 'llm',
        title: 'Reply',
        model: { provider: 'openai', name: 'gpt-4o-mini', mode: 'chat', completion_params: {} },
        prompt_template: [{ role: 'system', text: options.prompt }],
        context: { enabled: false, variable_selector: [] },
      },
    },
    { id: 'answer', data: { type: 'answer', title: 'Answer', answer: '{{#llm.text#}}' } },
  ]);
}

/** A workflow: start (input `text`) → code (`title` of the step) → end. */
export function codeWorkflowDsl(options: { name: string; description?: string; title: string }): string {
  return document('workflow', options.name, options.description ?? '', [
    {
      id: 'start',
      data: {
        type: 'start',
        title: 'Start',
        variables: [{ variable: 'text', label: 'text', type: 'paragraph', required: true }],
      },
    },
    {
      id: 'code',
      data: {
        type: 'code',
        title: options.title,
        code_language: 'python3',
        code: 'def main(text: str) -> dict:\n    return {"result": text.upper()}\n',
        variables: [{ variable: 'text', value_selector: ['start', 'text'] }],
        outputs: { result: { type: 'string', children: null } },
      },
    },
    {
      id: 'end',
      data: { type: 'end', title: 'End', outputs: [{ variable: 'result', value_selector: ['code', 'result'] }] },
    },
  ]);
}

/** A chatflow whose only edge points at a node that does not exist. */
export function danglingEdgeDsl(): string {
  return chatflowDsl({ name: 'Broken', prompt: 'You are helpful.' }).replace('target: answer', 'target: ghost');
}

/** Nine levels of nine aliases: expands to 9^9 strings unless the parser stops it. */
export function yamlBomb(): string {
  return [
    'a: &a ["x","x","x","x","x","x","x","x","x"]',
    ...'bcdefghi'.split('').map((k, i) => {
      const prev = 'abcdefghi'[i];
      return `${k}: &${k} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`;
    }),
  ].join('\n');
}
