import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { formatIssues, validateDsl, validateDslValue } from '../index.ts';

type Json = Record<string, unknown>;

function node(id: string, data: Json, extra: Json = {}): Json {
  return { id, type: 'custom', data, ...extra };
}
function edge(source: string, target: string, sourceHandle = 'source'): Json {
  return { id: `${source}-${sourceHandle}-${target}`, source, target, sourceHandle, targetHandle: 'target' };
}
const model = { provider: 'langgenius/openai/openai', name: 'gpt-4o', mode: 'chat', completion_params: {} };

/** start(topic) → llm → end, the smallest useful workflow. */
function workflow(overrides: { nodes?: Json[]; edges?: Json[]; version?: unknown; mode?: string } = {}): Json {
  return {
    version: overrides.version ?? '0.6.0',
    kind: 'app',
    app: { name: 'demo', mode: overrides.mode ?? 'workflow', icon: '🤖', description: '' },
    workflow: {
      graph: {
        nodes: overrides.nodes ?? [
          node('start', {
            type: 'start',
            title: 'Start',
            variables: [{ variable: 'topic', label: 'Topic', type: 'text-input' }],
          }),
          node('llm', {
            type: 'llm',
            title: 'Write',
            model,
            prompt_template: [{ role: 'user', text: 'Write about {{#start.topic#}}' }],
            context: { enabled: false, variable_selector: [] },
          }),
          node('end', { type: 'end', title: 'End', outputs: [{ variable: 'text', value_selector: ['llm', 'text'] }] }),
        ],
        edges: overrides.edges ?? [edge('start', 'llm'), edge('llm', 'end')],
      },
      features: {},
      environment_variables: [],
      conversation_variables: [],
    },
  };
}

const rules = (text: string, options = {}) => validateDsl(text, options).errors.map((e) => e.rule);

describe('validateDsl on good input', () => {
  it('accepts the minimal workflow and returns the document', () => {
    const result = validateDsl(stringify(workflow()));
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.document?.app.mode).toBe('workflow');
  });

  it('accepts an if-else whose case ids and false branch are wired, and a question classifier by class ids', () => {
    const doc = workflow({
      nodes: [
        node('start', { type: 'start', variables: [{ variable: 'q', label: 'Q', type: 'paragraph' }] }),
        node('check', {
          type: 'if-else',
          cases: [
            {
              case_id: 'true',
              logical_operator: 'and',
              conditions: [{ variable_selector: ['start', 'q'], comparison_operator: 'contains', value: 'x' }],
            },
          ],
        }),
        node('cls', {
          type: 'question-classifier',
          query_variable_selector: ['start', 'q'],
          model,
          classes: [
            { id: '1', name: 'a' },
            { id: '2', name: 'b' },
          ],
        }),
        node('end1', { type: 'end', outputs: [{ variable: 'c', value_selector: ['cls', 'class_name'] }] }),
        node('end2', { type: 'end', outputs: [] }),
        node('end3', { type: 'end', outputs: [] }),
      ],
      edges: [
        edge('start', 'check'),
        edge('check', 'cls', 'true'),
        edge('check', 'end3', 'false'),
        edge('cls', 'end1', '1'),
        edge('cls', 'end2', '2'),
      ],
    });
    expect(validateDsl(stringify(doc)).errors).toEqual([]);
  });
});

describe('validateDsl on bad input', () => {
  it('reports malformed YAML with its line and column', () => {
    const result = validateDsl('app:\n  name: x\n  mode: [workflow\nkind: app\n');
    expect(result.valid).toBe(false);
    expect(result.errors[0]?.rule).toBe('yaml.syntax');
    expect(result.errors[0]?.line).toBeGreaterThanOrEqual(3);
    expect(result.errors[0]?.message).toMatch(/line \d+, column \d+/);
  });

  it('rejects a YAML bomb (alias expansion) without expanding it', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...'bcdefghi'.split('').map((k, i) => {
        const prev = 'abcdefghi'[i];
        return `${k}: &${k} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`;
      }),
    ].join('\n');
    expect(rules(bomb)).toEqual(['yaml.alias-limit']);
  });

  it('rejects a file over the size limit before parsing it', () => {
    const text = stringify(workflow());
    expect(rules(text, { maxBytes: 100 })).toEqual(['input.too-large']);
    expect(rules(`${text}#${' '.repeat(10 * 1024 * 1024)}`)).toEqual(['input.too-large']);
  });

  it('rejects an unsupported version, and accepts 0.7.0 only when selected', () => {
    expect(rules(stringify(workflow({ version: '0.7.0' })))).toEqual(['document.version-unsupported']);
    expect(validateDsl(stringify(workflow({ version: '0.7.0' })), { targetVersion: '0.7.0' }).valid).toBe(true);
    expect(rules(stringify(workflow({ version: '1.0.0' })))).toEqual(['document.version-unsupported']);
    expect(rules(stringify(workflow({ version: '0.0.9' })))).toEqual(['document.version-unsupported']);
    expect(rules(stringify(workflow({ version: 'latest' })))).toEqual(['document.version-invalid']);
    // an unquoted 0.1 loads as a float, which Dify's import rejects
    expect(rules(stringify(workflow()).replace('version: 0.6.0', 'version: 0.1'))).toEqual(['document.version-type']);
  });

  it('accepts older versions with a warning, as Dify imports them "with warnings"', () => {
    const result = validateDsl(stringify(workflow({ version: '0.1.5' })));
    expect(result.valid).toBe(true);
    expect(result.warnings.map((w) => w.rule)).toContain('document.version-old');
  });

  it('rejects an empty document and a document that is not a mapping', () => {
    expect(rules('')).toEqual(['document.empty']);
    expect(rules('   \n# only a comment\n')).toEqual(['document.empty']);
    expect(rules('- a\n- b\n')).toEqual(['document.not-a-mapping']);
    expect(validateDslValue(null).errors.map((e) => e.rule)).toEqual(['document.empty']);
  });

  it('rejects an unknown node type, and only warns for a plugin node type', () => {
    const unknown = workflow();
    const nodes = (unknown.workflow as Json).graph as { nodes: Json[] };
    (nodes.nodes[1] as { data: Json }).data = { type: 'magic-box', title: 'x' };
    const result = validateDsl(stringify(unknown));
    expect(result.errors.map((e) => e.rule)).toContain('node.unknown-type');
    expect(result.errors.find((e) => e.rule === 'node.unknown-type')?.path).toBe('/workflow/graph/nodes/1/data/type');

    (nodes.nodes[1] as { data: Json }).data = { type: 'plugin-acme/summarizer', title: 'x' };
    const plugin = validateDsl(stringify(unknown));
    expect(plugin.errors.map((e) => e.rule)).not.toContain('node.unknown-type');
    expect(plugin.warnings.map((w) => w.rule)).toContain('node.unknown-plugin-type');
  });

  it('rejects non-graph app modes and a missing app', () => {
    expect(rules(stringify(workflow({ mode: 'chat' })))).toEqual(['app.unsupported-mode']);
    expect(rules(stringify({ version: '0.6.0', kind: 'app' }))).toEqual(['app.missing']);
  });
});

describe('graph rules', () => {
  it('points at the exact edge field of a dangling target', () => {
    const result = validateDsl(
      stringify(workflow({ edges: [edge('start', 'llm'), edge('llm', 'end'), edge('llm', 'ghost')] })),
    );
    const dangling = result.errors.find((e) => e.rule === 'edge.dangling-target');
    expect(dangling?.path).toBe('/workflow/graph/edges/2/target');
    expect(dangling?.message).toContain('"ghost"');
    expect(dangling?.line).toBeGreaterThan(1);
  });

  it('rejects sys.query in a workflow app and undeclared env/conversation variables', () => {
    const doc = workflow();
    const llm = (((doc.workflow as Json).graph as { nodes: Json[] }).nodes[1] as { data: Json }).data;
    llm.prompt_template = [{ role: 'user', text: '{{#sys.query#}} {{#env.api_key#}} {{#conversation.memory#}}' }];
    const found = rules(stringify(doc));
    expect(found).toContain('reference.unknown-system-variable');
    expect(found).toContain('reference.unknown-environment-variable');
    expect(found).toContain('reference.unknown-conversation-variable');
  });

  it('rejects a reference to a node that runs later', () => {
    const doc = workflow();
    const llm = (((doc.workflow as Json).graph as { nodes: Json[] }).nodes[1] as { data: Json }).data;
    llm.context = { enabled: true, variable_selector: ['end', 'text'] };
    expect(rules(stringify(doc))).toContain('reference.not-upstream');
  });

  it('takes fail-branch handles from nodes with error_strategy fail-branch', () => {
    const nodes = workflow().workflow as Json;
    const graph = nodes.graph as { nodes: Json[] };
    const llm = (graph.nodes[1] as { data: Json }).data;
    llm.error_strategy = 'fail-branch';
    graph.nodes.push(
      node('end_fail', { type: 'end', outputs: [{ variable: 'e', value_selector: ['llm', 'error_message'] }] }),
    );
    const doc = {
      ...workflow(),
      workflow: {
        ...nodes,
        graph: {
          ...graph,
          edges: [edge('start', 'llm'), edge('llm', 'end', 'success-branch'), edge('llm', 'end_fail', 'fail-branch')],
        },
      },
    };
    expect(validateDsl(stringify(doc)).errors).toEqual([]);
  });

  it('checks iteration children: parent, flags and start child', () => {
    const doc = workflow({
      nodes: [
        node('start', { type: 'start', variables: [{ variable: 'items', label: 'Items', type: 'paragraph' }] }),
        node('it', {
          type: 'iteration',
          start_node_id: 'itstart',
          iterator_selector: ['start', 'items'],
          output_selector: ['step', 'output'],
        }),
        node(
          'itstart',
          { type: 'iteration-start', isInIteration: true },
          { type: 'custom-iteration-start', parentId: 'it' },
        ),
        node(
          'step',
          {
            type: 'template-transform',
            variables: [{ variable: 'x', value_selector: ['it', 'item'] }],
            template: '{{ x }}',
            isInIteration: false,
            iteration_id: 'it',
          },
          { parentId: 'it' },
        ),
        node('end', { type: 'end', outputs: [{ variable: 'all', value_selector: ['it', 'output'] }] }),
      ],
      edges: [edge('start', 'it'), edge('itstart', 'step'), edge('it', 'end')],
    });
    expect(rules(stringify(doc))).toEqual(['container.child-flags']);
  });

  it('reports a path without an answer in an advanced-chat app', () => {
    const doc = workflow({
      mode: 'advanced-chat',
      nodes: [
        node('start', { type: 'start', variables: [] }),
        node('check', {
          type: 'if-else',
          cases: [
            {
              case_id: 'true',
              logical_operator: 'and',
              conditions: [{ variable_selector: ['sys', 'query'], comparison_operator: 'empty' }],
            },
          ],
        }),
        node('reply', { type: 'answer', answer: 'You said {{#sys.query#}}' }),
        node('log', {
          type: 'code',
          code_language: 'python3',
          code: 'def main():\n  return {}',
          variables: [],
          outputs: {},
        }),
      ],
      edges: [edge('start', 'check'), edge('check', 'reply', 'true'), edge('check', 'log', 'false')],
    });
    const result = validateDsl(stringify(doc));
    expect(result.errors.map((e) => e.rule)).toEqual(['graph.path-without-answer']);
    expect(result.errors[0]?.path).toBe('/workflow/graph/nodes/3');
  });
});

describe('node versions and branch handles', () => {
  const agentV2 = { type: 'agent', version: '2', agent_node_kind: 'package', agent_binding: {}, agent_job: {} };
  const withAgent = (version: string) =>
    workflow({
      version,
      nodes: [
        node('start', { type: 'start', variables: [] }),
        node('agent', agentV2),
        node('end', { type: 'end', outputs: [{ variable: 'text', value_selector: ['agent', 'text'] }] }),
      ],
      edges: [edge('start', 'agent'), edge('agent', 'end')],
    });

  it('accepts an agent v2 node only in a 0.7.0 document', () => {
    expect(validateDsl(stringify(withAgent('0.7.0')), { targetVersion: '0.7.0' }).errors).toEqual([]);
    expect(rules(stringify(withAgent('0.6.0')))).toEqual(['node.version-unsupported']);
  });

  it('takes human-input action ids as handles and rejects others', () => {
    const doc = (handle: string) =>
      workflow({
        nodes: [
          node('start', { type: 'start', variables: [] }),
          node('review', { type: 'human-input', user_actions: [{ id: 'approve', title: 'Approve' }] }),
          node('end', { type: 'end', outputs: [] }),
        ],
        edges: [edge('start', 'review'), edge('review', 'end', handle)],
      });
    expect(validateDsl(stringify(doc('approve'))).errors).toEqual([]);
    const wrong = validateDsl(stringify(doc('reject'))).errors;
    expect(wrong.map((e) => e.rule)).toContain('edge.invalid-source-handle');
    expect(wrong.find((e) => e.rule === 'edge.invalid-source-handle')?.message).toContain('"approve"');
  });
});

describe('formatIssues', () => {
  it('prints one line per issue with position, pointer, message and rule', () => {
    const text = formatIssues(
      [
        {
          rule: 'edge.dangling-target',
          path: '/workflow/graph/edges/0/target',
          message: 'no node "x"',
          line: 4,
          column: 7,
        },
      ],
      { file: 'app.yml' },
    );
    expect(text).toBe('error  app.yml:4:7  /workflow/graph/edges/0/target  no node "x"  [edge.dangling-target]');
  });
});
