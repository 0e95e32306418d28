/**
 * Broken variants of a real DSL document, each with the rule the validator must report.
 * They work on the parsed document, independent of the validator's internals.
 */

type Json = Record<string, unknown>;
interface RawNode extends Json {
  id: string;
  type?: string;
  parentId?: string;
  data: Json & { type: string };
}
interface RawEdge extends Json {
  source: string;
  target: string;
  sourceHandle?: string;
}

export interface Mutation {
  name: string;
  /** Returns the broken document and the rule id expected among the errors. */
  apply(doc: Json): { doc: Json; rule: string };
}

const BRANCH_TYPES = new Set(['if-else', 'question-classifier', 'human-input']);

function graphOf(doc: Json): { nodes: RawNode[]; edges: RawEdge[]; mode: string } {
  const workflow = doc.workflow as Json;
  const graph = workflow.graph as Json;
  return {
    nodes: (graph.nodes as RawNode[]).filter((n) => n.type !== 'custom-note'),
    edges: graph.edges as RawEdge[],
    mode: (doc.app as Json).mode as string,
  };
}

function setGraph(doc: Json, nodes: RawNode[], edges: RawEdge[]): void {
  const graph = (doc.workflow as Json).graph as Json;
  graph.nodes = nodes;
  graph.edges = edges;
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`mutation not applicable: ${what}`);
  return value;
}

function startOf(doc: Json): RawNode {
  return must(
    graphOf(doc).nodes.find((n) => n.data.type === 'start'),
    'no start node',
  );
}

/** The first top-level end (workflow) or answer (advanced-chat) node. */
function terminalOf(doc: Json): RawNode {
  const { nodes, mode } = graphOf(doc);
  const type = mode === 'workflow' ? 'end' : 'answer';
  return must(
    nodes.find((n) => n.data.type === type && !n.parentId),
    `no top-level ${type} node`,
  );
}

export const MUTATIONS: Mutation[] = [
  {
    name: 'removed node (referenced by an edge)',
    apply(doc) {
      const { nodes, edges } = graphOf(doc);
      const parents = new Set(nodes.map((n) => n.parentId).filter(Boolean));
      const victim = must(
        nodes.find(
          (n) =>
            n.data.type !== 'start' &&
            !parents.has(n.id) &&
            !n.data.type.endsWith('-start') &&
            edges.some((e) => e.target === n.id),
        ),
        'no removable node',
      );
      setGraph(
        doc,
        nodes.filter((n) => n !== victim),
        edges,
      );
      return { doc, rule: 'edge.dangling-target' };
    },
  },
  {
    name: 'dangling edge',
    apply(doc) {
      const edge = must(graphOf(doc).edges[0], 'no edge');
      edge.source = 'node_that_does_not_exist';
      return { doc, rule: 'edge.dangling-source' };
    },
  },
  {
    name: 'wrong handle',
    apply(doc) {
      const { nodes, edges } = graphOf(doc);
      const typeOf = new Map(nodes.map((n) => [n.id, n.data.type]));
      const edge = must(edges.find((e) => BRANCH_TYPES.has(typeOf.get(e.source) ?? '')) ?? edges[0], 'no edge');
      edge.sourceHandle = 'handle_nobody_emits';
      return { doc, rule: 'edge.invalid-source-handle' };
    },
  },
  {
    name: 'bad variable reference (unknown node)',
    apply(doc) {
      const terminal = terminalOf(doc);
      if (terminal.data.type === 'end') {
        terminal.data.outputs = [
          ...((terminal.data.outputs as unknown[]) ?? []),
          { variable: 'broken', value_selector: ['node_that_does_not_exist', 'text'], value_type: 'string' },
        ];
      } else {
        terminal.data.answer = `${terminal.data.answer as string} {{#node_that_does_not_exist.text#}}`;
      }
      return { doc, rule: 'reference.unknown-node' };
    },
  },
  {
    name: 'bad variable reference (unknown output)',
    apply(doc) {
      const terminal = terminalOf(doc);
      const start = startOf(doc);
      if (terminal.data.type === 'end') {
        terminal.data.outputs = [
          ...((terminal.data.outputs as unknown[]) ?? []),
          { variable: 'broken', value_selector: [start.id, 'no_such_variable'], value_type: 'string' },
        ];
      } else {
        terminal.data.answer = `${terminal.data.answer as string} {{#${start.id}.no_such_variable#}}`;
      }
      return { doc, rule: 'reference.unknown-output' };
    },
  },
  {
    name: 'wrong field type',
    apply(doc) {
      const terminal = terminalOf(doc);
      if (terminal.data.type === 'end') terminal.data.outputs = 'not a list';
      else terminal.data.answer = 42;
      return { doc, rule: 'node.invalid-data' };
    },
  },
  {
    name: 'duplicate id',
    apply(doc) {
      const terminal = terminalOf(doc);
      terminal.id = startOf(doc).id;
      return { doc, rule: 'node.duplicate-id' };
    },
  },
  {
    name: 'unreachable node',
    apply(doc) {
      const { nodes, edges } = graphOf(doc);
      const terminal = terminalOf(doc);
      const orphan: RawNode = {
        id: 'orphan_node',
        type: 'custom',
        data: { type: 'template-transform', title: 'Orphan', variables: [], template: 'nobody calls me' },
      };
      setGraph(
        doc,
        [...nodes, orphan],
        [
          ...edges,
          {
            id: 'orphan-edge',
            source: 'orphan_node',
            sourceHandle: 'source',
            target: terminal.id,
            targetHandle: 'target',
          },
        ],
      );
      return { doc, rule: 'graph.unreachable-node' };
    },
  },
  {
    name: 'cycle',
    apply(doc) {
      const { nodes, edges } = graphOf(doc);
      const byId = new Map(nodes.map((n) => [n.id, n]));
      const edge = must(
        edges.find((e) => {
          const from = byId.get(e.source);
          const to = byId.get(e.target);
          return (
            from &&
            to &&
            !from.parentId &&
            from.data.type !== 'start' &&
            !BRANCH_TYPES.has(to.data.type) &&
            to.data.error_strategy !== 'fail-branch'
          );
        }),
        'no edge to reverse',
      );
      edges.push({
        id: 'back-edge',
        source: edge.target,
        sourceHandle: 'source',
        target: edge.source,
        targetHandle: 'target',
      });
      return { doc, rule: 'graph.cycle' };
    },
  },
  {
    name: 'missing end/answer',
    apply(doc) {
      const { nodes, edges, mode } = graphOf(doc);
      const type = mode === 'workflow' ? 'end' : 'answer';
      const removed = new Set(nodes.filter((n) => n.data.type === type).map((n) => n.id));
      setGraph(
        doc,
        nodes.filter((n) => !removed.has(n.id)),
        edges.filter((e) => !removed.has(e.source) && !removed.has(e.target)),
      );
      return { doc, rule: mode === 'workflow' ? 'graph.missing-end' : 'graph.missing-answer' };
    },
  },
];
