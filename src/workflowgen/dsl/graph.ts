import type { Issue } from './issues.ts';
import type { GraphAppMode, NodeSpec } from './nodes/index.ts';

/** A node after the structural checks: `spec` is set when `data.type` is a known type and `data` matched its schema. */
export interface GraphNode {
  /** Index in `workflow.graph.nodes` (notes included), for JSON pointers. */
  index: number;
  id: string;
  type: string;
  parentId: string | undefined;
  data: Record<string, unknown>;
  spec: NodeSpec | undefined;
  path: string;
}

export interface GraphEdge {
  index: number;
  source: string;
  target: string;
  sourceHandle: string;
  path: string;
}

export interface GraphModel {
  nodes: GraphNode[];
  byId: Map<string, GraphNode>;
  /** Edges whose endpoints both exist. */
  edges: GraphEdge[];
  outgoing: Map<string, GraphEdge[]>;
  incoming: Map<string, GraphEdge[]>;
}

export class Reporter {
  readonly errors: Issue[] = [];
  readonly warnings: Issue[] = [];
  error(rule: string, path: string, message: string): void {
    this.errors.push({ rule, path, message });
  }
  warn(rule: string, path: string, message: string): void {
    this.warnings.push({ rule, path, message });
  }
}

export interface RuleContext {
  mode: GraphAppMode;
  dslVersion: string;
  graph: GraphModel;
  environmentVariables: Set<string>;
  conversationVariables: Set<string>;
  report: Reporter;
}

export function buildGraph(nodes: GraphNode[], edges: GraphEdge[]): GraphModel {
  const byId = new Map<string, GraphNode>();
  for (const node of nodes) if (!byId.has(node.id)) byId.set(node.id, node);
  const outgoing = new Map<string, GraphEdge[]>();
  const incoming = new Map<string, GraphEdge[]>();
  for (const edge of edges) {
    outgoing.set(edge.source, [...(outgoing.get(edge.source) ?? []), edge]);
    incoming.set(edge.target, [...(incoming.get(edge.target) ?? []), edge]);
  }
  return { nodes, byId, edges, outgoing, incoming };
}

export function describe(node: GraphNode): string {
  const title = typeof node.data.title === 'string' && node.data.title ? ` "${node.data.title}"` : '';
  return `${node.type} node ${node.id}${title}`;
}

/** The container a node sits in ('' for the top level). */
export function levelOf(node: GraphNode): string {
  return node.parentId ?? '';
}
