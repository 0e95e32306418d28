import { NodeWrapperSchema } from '../document.ts';
import { buildGraph, describe, type GraphEdge, type GraphModel, type GraphNode, type Reporter } from '../graph.ts';
import type { GraphAppMode } from '../nodes/common.ts';
import { nodeSpec, PLUGIN_NODE_TYPE } from '../nodes/index.ts';
import { checkSchema } from '../schema-check.ts';

const NODES = '/workflow/graph/nodes';
const EDGES = '/workflow/graph/edges';
/** The template regex only matches node ids of this shape (graphon variable_template_parser). */
const TEMPLATE_SAFE_ID = /^[A-Za-z0-9_]{1,50}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Nodes: wrapper shape, ids, types, each node's own schema, and the modes a node type belongs to. */
export function readNodes(raw: unknown[], mode: GraphAppMode, dslVersion: string, report: Reporter): GraphNode[] {
  const nodes: GraphNode[] = [];
  const firstIndexOf = new Map<string, number>();
  raw.forEach((value, index) => {
    const path = `${NODES}/${index}`;
    // editor sticky notes never run; the runtime drops them before validation
    if (isRecord(value) && value.type === 'custom-note') return;
    const wrapperProblems = checkSchema(NodeWrapperSchema, value);
    if (wrapperProblems.length > 0 || !isRecord(value)) {
      for (const p of wrapperProblems) {
        report.error('node.invalid', `${path}${p.path}`, `node ${index}: ${p.path.slice(1) || 'node'} ${p.message}`);
      }
      return;
    }
    const id = value.id as string;
    const data = value.data as Record<string, unknown>;
    const type = data.type as string;
    const node: GraphNode = {
      index,
      id,
      type,
      parentId: typeof value.parentId === 'string' ? value.parentId : undefined,
      data,
      spec: undefined,
      path,
    };
    const first = firstIndexOf.get(id);
    if (first !== undefined) {
      report.error(
        'node.duplicate-id',
        `${path}/id`,
        `node id "${id}" is already used by node ${first} (${NODES}/${first}); Dify would silently keep only the later one — give each node its own id`,
      );
      return;
    }
    firstIndexOf.set(id, index);
    if (!TEMPLATE_SAFE_ID.test(id)) {
      report.warn(
        'node.id-format',
        `${path}/id`,
        `node id "${id}" is not [A-Za-z0-9_]{1,50}: {{#${id}.var#}} references to it are left as literal text`,
      );
    }
    nodes.push(node);
    const spec = nodeSpec(type);
    if (!spec) {
      if (PLUGIN_NODE_TYPE.test(type)) {
        report.warn(
          'node.unknown-plugin-type',
          `${path}/data/type`,
          `node type "${type}" looks like a plugin node whose schema Orbit does not know; its data is not checked`,
        );
      } else {
        report.error(
          'node.unknown-type',
          `${path}/data/type`,
          `unknown node type "${type}"; Dify fails with "No class mapping found for node type" — use a built-in type such as llm, code, tool, if-else`,
        );
      }
      return;
    }
    const problems = checkSchema(spec.schema, data);
    for (const p of problems) {
      report.error(
        'node.invalid-data',
        `${path}/data${p.path}`,
        `${describe(node)}: ${p.path.slice(1) || 'data'} ${p.message}`,
      );
    }
    for (const p of spec.check?.(data, { dslVersion }) ?? []) {
      const at = `${path}/data${p.path}`;
      if (p.severity === 'warning') report.warn(p.rule, at, `${describe(node)}: ${p.message}`);
      else report.error(p.rule, at, `${describe(node)}: ${p.message}`);
    }
    if (spec.modes && !spec.modes.includes(mode)) {
      const where = spec.modes.length === 0 ? 'only in RAG pipelines' : `only in ${spec.modes.join('/')} apps`;
      report.error('node.wrong-mode', `${path}/data/type`, `${describe(node)} is valid ${where}, not in a ${mode} app`);
    }
    if (problems.length === 0) node.spec = spec;
  });
  return nodes;
}

/** Valid source handles of a node; undefined when unknown (unknown type or invalid data). */
export function sourceHandles(node: GraphNode): string[] | undefined {
  if (!node.spec) return undefined;
  const failBranch = node.data.error_strategy === 'fail-branch';
  if (node.spec.role === 'branch') {
    const handles = node.spec.handles?.(node.data) ?? [];
    return failBranch ? [...handles, 'fail-branch'] : handles;
  }
  // a fail-branch node becomes a branch node with a success and a failure handle
  return failBranch ? ['success-branch', 'fail-branch'] : ['source'];
}

/** Edges: shape, endpoints, handles, container boundaries. Returns the graph of edges whose endpoints exist. */
export function readEdges(raw: unknown[], nodes: GraphNode[], report: Reporter): GraphModel {
  const partial = buildGraph(nodes, []);
  const edges: GraphEdge[] = [];
  const seen = new Map<string, number>();
  raw.forEach((value, index) => {
    const path = `${EDGES}/${index}`;
    if (!isRecord(value)) {
      report.error('edge.invalid', path, `edge ${index} must be a mapping with source and target`);
      return;
    }
    let usable = true;
    for (const key of ['source', 'target'] as const) {
      if (typeof value[key] !== 'string' || value[key] === '') {
        report.error(
          'edge.invalid',
          `${path}/${key}`,
          `edge ${index}: ${key} must be a node id string (Dify silently drops this edge)`,
        );
        usable = false;
      }
    }
    for (const key of ['sourceHandle', 'targetHandle'] as const) {
      if (value[key] !== undefined && typeof value[key] !== 'string') {
        report.error(
          'edge.invalid',
          `${path}/${key}`,
          `edge ${index}: ${key} must be a string (Dify silently drops this edge)`,
        );
        usable = false;
      }
    }
    if (!usable) return;
    const source = value.source as string;
    const target = value.target as string;
    const sourceNode = partial.byId.get(source);
    const targetNode = partial.byId.get(target);
    if (!sourceNode) {
      report.error(
        'edge.dangling-source',
        `${path}/source`,
        `edge ${index} starts at node "${source}", which does not exist: remove the edge or add the node`,
      );
    }
    if (!targetNode) {
      report.error(
        'edge.dangling-target',
        `${path}/target`,
        `edge ${index} points at node "${target}", which does not exist: remove the edge or add the node`,
      );
    }
    if (!sourceNode || !targetNode) return;
    const sourceHandle = (value.sourceHandle as string | undefined) ?? 'source';
    if (value.targetHandle !== undefined && value.targetHandle !== 'target') {
      report.error(
        'edge.invalid-target-handle',
        `${path}/targetHandle`,
        `edge ${index}: targetHandle must be "target", found "${String(value.targetHandle)}"`,
      );
    }
    const handles = sourceHandles(sourceNode);
    if (handles && !handles.includes(sourceHandle)) {
      report.error(
        'edge.invalid-source-handle',
        `${path}/sourceHandle`,
        `edge ${index} leaves ${describe(sourceNode)} through handle "${sourceHandle}", which that node never takes; valid handles: ${handles.map((h) => `"${h}"`).join(', ')}`,
      );
      return;
    }
    if (sourceNode.parentId !== targetNode.parentId) {
      report.error(
        'edge.crosses-container',
        path,
        `edge ${index} crosses a container boundary (${sourceNode.parentId ?? 'top level'} → ${targetNode.parentId ?? 'top level'}): connect to the iteration/loop node itself, or start inside it from its start node`,
      );
      return;
    }
    const key = `${source}\u0000${sourceHandle}\u0000${target}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      report.warn('edge.duplicate', path, `edge ${index} repeats edge ${earlier} (${source} → ${target}); remove one`);
      return;
    }
    seen.set(key, index);
    edges.push({ index, source, target, sourceHandle, path });
  });
  return buildGraph(nodes, edges);
}
