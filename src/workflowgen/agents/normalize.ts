import { DEFAULT_TARGET_VERSION, type DslDocument } from '../dsl/index.ts';
import type { Draft, DraftEdge, DraftNode } from './schemas.ts';

export type AppMode = 'workflow' | 'advanced-chat';

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The features block Dify writes for a new app (all off). */
export const DEFAULT_FEATURES = {
  file_upload: { enabled: false },
  opening_statement: '',
  retriever_resource: { enabled: false },
  sensitive_word_avoidance: { enabled: false },
  speech_to_text: { enabled: false },
  suggested_questions: [],
  suggested_questions_after_answer: { enabled: false },
  text_to_speech: { enabled: false, language: '', voice: '' },
};

const CONTAINER_FLAGS: Record<string, { flag: string; idKey: string }> = {
  iteration: { flag: 'isInIteration', idKey: 'iteration_id' },
  loop: { flag: 'isInLoop', idKey: 'loop_id' },
};

/**
 * Turns the model's draft into the complete document Dify exports: version and kind, the app's mode (Orbit's
 * choice, not the model's), editor fields on every node (position, size, React Flow type) and every edge (id,
 * handles, source and target types), and the container bookkeeping of iteration/loop children. With `base` (edit
 * mode) the existing file's app settings, features, dependencies and each kept node's editor fields are preserved.
 */
export function draftToDocument(draft: Draft, mode: AppMode, base?: DslDocument): DslDocument {
  const nodes = draft.workflow.graph.nodes;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const baseNodes = new Map<string, Json>();
  for (const n of (base?.workflow.graph.nodes ?? []) as Json[]) if (typeof n.id === 'string') baseNodes.set(n.id, n);
  const positions = layout(nodes, draft.workflow.graph.edges);

  const outNodes = nodes.map((node) => {
    const parent = node.parentId ? byId.get(node.parentId) : undefined;
    const containerFlags = parent ? CONTAINER_FLAGS[parent.data.type] : undefined;
    const data: Json = { desc: '', selected: false, ...node.data };
    if (containerFlags && parent) {
      data[containerFlags.flag] = true;
      data[containerFlags.idKey] = parent.id;
    }
    const kept = baseNodes.get(node.id);
    const position = positions.get(node.id) ?? { x: 0, y: 0 };
    const wrapper: Json = {
      height: 90,
      width: 244,
      position,
      positionAbsolute: position,
      selected: false,
      sourcePosition: 'right',
      targetPosition: 'left',
      ...(kept ?? {}),
      id: node.id,
      type: wrapperType(node.data.type),
      data,
    };
    if (node.parentId) {
      wrapper.parentId = node.parentId;
      wrapper.extent = 'parent';
      wrapper.zIndex = 1002;
    } else {
      delete wrapper.parentId;
      delete wrapper.extent;
    }
    if (node.data.type === 'iteration' || node.data.type === 'loop') {
      wrapper.width = Math.max(Number(wrapper.width) || 0, 600);
      wrapper.height = Math.max(Number(wrapper.height) || 0, 250);
    }
    return wrapper;
  });

  const baseEdges = new Map<string, Json>();
  for (const e of (base?.workflow.graph.edges ?? []) as Json[]) {
    baseEdges.set(edgeKey(String(e.source), String(e.sourceHandle ?? 'source'), String(e.target)), e);
  }
  const outEdges = draft.workflow.graph.edges.map((edge) => {
    const handle = edge.sourceHandle ?? 'source';
    const kept = baseEdges.get(edgeKey(edge.source, handle, edge.target));
    if (kept) return kept;
    const source = byId.get(edge.source);
    const target = byId.get(edge.target);
    const parentId = source?.parentId;
    const containerFlags = parentId ? CONTAINER_FLAGS[byId.get(parentId)?.data.type ?? ''] : undefined;
    const data: Json = {
      sourceType: source?.data.type ?? 'unknown',
      targetType: target?.data.type ?? 'unknown',
      isInIteration: containerFlags?.flag === 'isInIteration',
    };
    if (containerFlags && parentId) {
      data[containerFlags.flag] = true;
      data[containerFlags.idKey] = parentId;
    }
    return {
      id: `${edge.source}-${handle}-${edge.target}-target`,
      source: edge.source,
      sourceHandle: handle,
      target: edge.target,
      targetHandle: 'target',
      type: 'custom',
      zIndex: containerFlags ? 1002 : 0,
      data,
    };
  });

  // editor notes carry no behaviour; an edit keeps them where they were
  const notes = ((base?.workflow.graph.nodes ?? []) as Json[]).filter((n) => n.type === 'custom-note');
  const workflow = draft.workflow;
  const baseApp: Json = isRecord(base?.app) ? base.app : {};
  return {
    app: {
      icon: '🤖',
      icon_background: '#FFEAD5',
      use_icon_as_answer_icon: false,
      ...baseApp,
      name: draft.app.name,
      description: draft.app.description ?? (typeof baseApp.description === 'string' ? baseApp.description : ''),
      mode,
    },
    dependencies: base?.dependencies ?? [],
    kind: 'app',
    version: typeof base?.version === 'string' ? base.version : DEFAULT_TARGET_VERSION,
    workflow: {
      ...(base ? { ...base.workflow } : {}),
      conversation_variables: (workflow.conversation_variables ?? base?.workflow.conversation_variables ?? []) as [],
      environment_variables: (workflow.environment_variables ?? base?.workflow.environment_variables ?? []) as [],
      features: base?.workflow.features ?? DEFAULT_FEATURES,
      graph: {
        ...(base ? base.workflow.graph : {}),
        edges: outEdges,
        nodes: [...outNodes, ...notes],
        viewport: base?.workflow.graph.viewport ?? { x: 0, y: 0, zoom: 0.8 },
      },
    },
  } as DslDocument;
}

export function edgeKey(source: string, handle: string, target: string): string {
  return `${source} -[${handle}]-> ${target}`;
}

/** The React Flow node type Dify's editor uses for each kind of node. */
function wrapperType(type: string): string {
  if (type === 'iteration-start') return 'custom-iteration-start';
  if (type === 'loop-start') return 'custom-loop-start';
  return 'custom';
}

/**
 * A left-to-right layered layout (column = longest path from an entry, row = order within the column), so the
 * file opens readable in Dify's editor. Children of containers are laid out inside their container.
 */
function layout(nodes: DraftNode[], edges: DraftEdge[]): Map<string, { x: number; y: number }> {
  const depth = new Map<string, number>();
  const incoming = new Map<string, string[]>();
  for (const e of edges) incoming.set(e.target, [...(incoming.get(e.target) ?? []), e.source]);
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a cycle: the validator reports it; the layout just stops here
    visiting.add(id);
    const parents = incoming.get(id) ?? [];
    const d = parents.length === 0 ? 0 : Math.max(...parents.map(depthOf)) + 1;
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  const rows = new Map<string, number>();
  const out = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    const d = depthOf(n.id);
    const column = `${n.parentId ?? ''}:${d}`;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    out.set(n.id, n.parentId ? { x: 24 + d * 280, y: 68 + row * 120 } : { x: 30 + d * 320, y: 250 + row * 160 });
  }
  return out;
}

/** The reverse, for edit mode: an existing document in the shape the model reads and writes. */
export function documentToDraft(document: DslDocument): Draft {
  const nodes = (document.workflow.graph.nodes as Json[]).filter(isRecord).flatMap((n): DraftNode[] => {
    if (!isRecord(n.data) || typeof n.data.type !== 'string' || n.data.type === '' || typeof n.id !== 'string')
      return [];
    if (n.type === 'custom-note') return [];
    const { selected: _s, ...data } = n.data;
    return [
      {
        id: n.id,
        ...(typeof n.parentId === 'string' ? { parentId: n.parentId } : {}),
        data: { ...data, type: n.data.type, title: typeof data.title === 'string' ? data.title : '' },
      },
    ];
  });
  const edges = (document.workflow.graph.edges as Json[]).filter(isRecord).map(
    (e): DraftEdge => ({
      source: String(e.source),
      target: String(e.target),
      ...(typeof e.sourceHandle === 'string' && e.sourceHandle !== 'source' ? { sourceHandle: e.sourceHandle } : {}),
    }),
  );
  const wf = document.workflow;
  return {
    app: { name: document.app.name, description: document.app.description ?? '' },
    workflow: {
      graph: { nodes, edges },
      ...(wf.environment_variables?.length ? { environment_variables: wf.environment_variables as Json[] } : {}),
      ...(wf.conversation_variables?.length ? { conversation_variables: wf.conversation_variables as Json[] } : {}),
    },
  };
}
