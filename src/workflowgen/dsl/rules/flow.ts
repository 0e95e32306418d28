import { describe, type GraphEdge, type GraphNode, levelOf, type RuleContext } from '../graph.ts';
import { sourceHandles } from './elements.ts';

/** Entry nodes: exactly one start (or trigger nodes in workflow apps), never mixed, never inside a container. */
export function checkEntry(ctx: RuleContext): GraphNode[] {
  const { graph, report, mode } = ctx;
  const roots = graph.nodes.filter((n) => n.spec?.role === 'root' || (!n.spec && n.type === 'start'));
  const starts = roots.filter((n) => n.type === 'start');
  const triggers = roots.filter((n) => n.type.startsWith('trigger-'));
  if (roots.length === 0) {
    report.error(
      'graph.missing-start',
      '/workflow/graph/nodes',
      mode === 'workflow'
        ? 'the graph has no start node: add one node with data.type "start" (or a trigger node) and connect it to the first step'
        : 'the graph has no start node: add one node with data.type "start" and connect it to the first step',
    );
  }
  for (const extra of starts.slice(1)) {
    report.error(
      'graph.multiple-start',
      `${extra.path}/data/type`,
      `${describe(extra)} is a second start node; a graph has exactly one (keep ${starts[0]?.id})`,
    );
  }
  if (starts.length > 0 && triggers.length > 0) {
    report.error(
      'graph.start-with-trigger',
      `${triggers[0]?.path}/data/type`,
      'a start node and trigger nodes cannot coexist in the same workflow: keep one kind of entry',
    );
  }
  for (const root of roots) {
    if (root.parentId) {
      report.error(
        'container.root-inside',
        `${root.path}/parentId`,
        `${describe(root)} sits inside container ${root.parentId}; entry nodes belong to the top level`,
      );
    }
    for (const edge of graph.incoming.get(root.id) ?? []) {
      report.error(
        'edge.into-start',
        `${edge.path}/target`,
        `edge ${edge.index} leads into ${describe(root)}; nothing may lead into an entry node`,
      );
    }
  }
  return roots.filter((r) => !r.parentId);
}

/** Roots of each level: the top-level entry nodes, and for each container its start child. */
function levelRoots(ctx: RuleContext, entries: GraphNode[]): Map<string, string[]> {
  const roots = new Map<string, string[]>([['', entries.map((e) => e.id)]]);
  for (const node of ctx.graph.nodes) {
    if (node.spec?.role === 'container' && typeof node.data.start_node_id === 'string') {
      roots.set(node.id, [node.data.start_node_id]);
    }
  }
  return roots;
}

function successors(ctx: RuleContext, id: string): GraphEdge[] {
  return ctx.graph.outgoing.get(id) ?? [];
}

/** Every node must be reachable from its level's root; containers count as reaching their children's root. */
export function checkReachability(ctx: RuleContext, entries: GraphNode[]): Set<string> {
  const { graph, report } = ctx;
  const reached = new Set<string>();
  const roots = levelRoots(ctx, entries);
  const stack = [...(roots.get('') ?? [])];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (reached.has(id) || !graph.byId.has(id)) continue;
    reached.add(id);
    for (const edge of successors(ctx, id)) stack.push(edge.target);
    for (const childRoot of roots.get(id) ?? []) stack.push(childRoot);
  }
  if (entries.length === 0) return reached;
  for (const node of graph.nodes) {
    if (reached.has(node.id)) continue;
    const parent = node.parentId ? graph.byId.get(node.parentId) : undefined;
    // report only the outermost unreachable node: children of an unreachable container follow from it
    if (parent && !reached.has(parent.id)) continue;
    if (node.parentId && !parent) continue; // reported by the container rules
    const from = node.parentId ? `the start node of container ${node.parentId}` : 'the start node';
    report.error(
      'graph.unreachable-node',
      node.path,
      `${describe(node)} cannot be reached from ${from}: connect an edge into it or delete it (Dify still builds it, so it also must be valid)`,
    );
  }
  return reached;
}

/** Cycles are allowed only as iteration/loop containers; an edge cycle would make the engine run forever. */
export function checkCycles(ctx: RuleContext): void {
  const { graph, report } = ctx;
  const state = new Map<string, 'open' | 'done'>();
  const trail: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 'open');
    trail.push(id);
    for (const edge of successors(ctx, id)) {
      const s = state.get(edge.target);
      if (s === 'open') {
        const cycle = [...trail.slice(trail.indexOf(edge.target)), edge.target];
        report.error(
          'graph.cycle',
          edge.path,
          `edge ${edge.index} closes a cycle ${cycle.join(' → ')}; repeat work with an iteration or loop node instead`,
        );
      } else if (s === undefined) {
        visit(edge.target);
      }
    }
    trail.pop();
    state.set(id, 'done');
  };
  for (const node of graph.nodes) if (!state.has(node.id)) visit(node.id);
}

/** Every path ends in an end node (workflow) or passes an answer node (advanced-chat). */
export function checkTerminals(ctx: RuleContext, entries: GraphNode[], reached: Set<string>): void {
  const { graph, report, mode } = ctx;
  const terminalType = mode === 'workflow' ? 'end' : 'answer';
  const terminals = graph.nodes.filter((n) => n.type === terminalType);
  if (terminals.length === 0) {
    report.error(
      mode === 'workflow' ? 'graph.missing-end' : 'graph.missing-answer',
      '/workflow/graph/nodes',
      mode === 'workflow'
        ? 'a workflow app needs an end node that returns the outputs: add a node with data.type "end" at the end of every path'
        : 'an advanced-chat app needs an answer node that replies to the user: add a node with data.type "answer"',
    );
    return;
  }
  if (entries.length === 0) return;
  const isSink = (id: string) => successors(ctx, id).length === 0;
  if (mode === 'workflow') {
    for (const node of graph.nodes) {
      if (levelOf(node) !== '' || !reached.has(node.id) || !isSink(node.id) || node.type === 'end') continue;
      report.error(
        'graph.dead-end',
        node.path,
        `the path through ${describe(node)} stops there without reaching an end node: connect it to an end node`,
      );
    }
  } else {
    checkAnswerOnEveryRun(ctx, entries, new Set(terminals.map((t) => t.id)));
  }
  for (const node of graph.nodes) {
    if (node.type === 'end' && successors(ctx, node.id).length > 0) {
      report.warn(
        'edge.from-end',
        node.path,
        `${describe(node)} has outgoing edges; an end node finishes the run, so they never run`,
      );
    }
  }
}

/** Branch handles with no edge: the engine takes that branch and the run stops there silently. */
export function checkUnconnectedHandles(ctx: RuleContext, reached: Set<string>): void {
  for (const node of ctx.graph.nodes) {
    if (node.spec?.role !== 'branch' || !reached.has(node.id)) continue;
    const used = new Set(successors(ctx, node.id).map((e) => e.sourceHandle));
    for (const handle of sourceHandles(node) ?? []) {
      if (handle === 'fail-branch' || used.has(handle)) continue;
      ctx.report.warn(
        'edge.unconnected-handle',
        node.path,
        `${describe(node)}: branch "${handle}" has no outgoing edge, so a run that takes it ends there silently`,
      );
    }
  }
}

/**
 * Advanced-chat: every run must reach an answer node. A non-branch node runs all its successors in parallel, so
 * one answering successor suffices; a branch node runs one handle, so every connected handle must lead to an answer.
 */
function checkAnswerOnEveryRun(ctx: RuleContext, entries: GraphNode[], answerIds: Set<string>): void {
  const { graph, report } = ctx;
  const answering = new Set(answerIds);
  for (const id of answerIds) {
    let parent = graph.byId.get(id)?.parentId;
    while (parent) {
      answering.add(parent); // a container that holds an answer replies while it runs
      parent = graph.byId.get(parent)?.parentId;
    }
  }
  const memo = new Map<string, boolean>();
  const handleGroups = (id: string): GraphEdge[][] => {
    const node = graph.byId.get(id);
    const out = successors(ctx, id);
    if (node?.spec?.role !== 'branch') return out.length > 0 ? [out] : [];
    const groups = new Map<string, GraphEdge[]>();
    for (const edge of out) groups.set(edge.sourceHandle, [...(groups.get(edge.sourceHandle) ?? []), edge]);
    return [...groups.values()];
  };
  const guaranteed = (id: string): boolean => {
    if (answering.has(id)) return true;
    const known = memo.get(id);
    if (known !== undefined) return known;
    memo.set(id, false); // a cycle does not answer by itself
    const node = graph.byId.get(id);
    const groups = handleGroups(id);
    const result =
      groups.length > 0 &&
      (node?.spec?.role === 'branch'
        ? groups.every((g) => g.some((e) => guaranteed(e.target)))
        : (groups[0] ?? []).some((e) => guaranteed(e.target)));
    memo.set(id, result);
    return result;
  };
  const explained = new Set<string>();
  const explain = (id: string): void => {
    if (explained.has(id) || guaranteed(id)) return;
    explained.add(id);
    const groups = handleGroups(id);
    const node = graph.byId.get(id);
    if (groups.length === 0 && node) {
      report.error(
        'graph.path-without-answer',
        node.path,
        `a run can end at ${describe(node)} without passing an answer node, so the user gets no reply: add an answer node on this path`,
      );
    }
    for (const group of groups) {
      if (!group.some((e) => guaranteed(e.target))) for (const e of group) explain(e.target);
    }
  };
  for (const entry of entries) explain(entry.id);
}
