import { describe, type GraphNode, type RuleContext } from '../graph.ts';
import { hasContainerStartNodes } from '../versions.ts';

type ContainerKind = 'iteration' | 'loop';
const FLAG: Record<ContainerKind, string> = { iteration: 'isInIteration', loop: 'isInLoop' };
const ID_FIELD: Record<ContainerKind, string> = { iteration: 'iteration_id', loop: 'loop_id' };

/** Iteration/loop children: parent exists and is a container, flags and ids match it, the start child is right. */
export function checkContainers(ctx: RuleContext): void {
  const { graph, report, dslVersion } = ctx;
  for (const node of graph.nodes) {
    const kindOfStart = node.spec?.container;
    if (kindOfStart && node.spec?.role !== 'container-end' && !node.parentId) {
      report.error(
        'container.start-outside',
        node.path,
        `${describe(node)} must sit inside a ${kindOfStart} node (set parentId)`,
      );
    }
    if (!node.parentId) continue;
    const parent = graph.byId.get(node.parentId);
    if (!parent) {
      report.error(
        'container.unknown-parent',
        `${node.path}/parentId`,
        `${describe(node)} names parent "${node.parentId}", which does not exist`,
      );
      continue;
    }
    if (parent.type !== 'iteration' && parent.type !== 'loop') {
      report.error(
        'container.parent-not-container',
        `${node.path}/parentId`,
        `${describe(node)} names parent ${describe(parent)}, but only iteration and loop nodes hold children`,
      );
      continue;
    }
    const kind = parent.type as ContainerKind;
    if (kindOfStart && kindOfStart !== kind) {
      report.error(
        'container.start-outside',
        `${node.path}/parentId`,
        `${describe(node)} belongs in a ${kindOfStart} node, not in ${describe(parent)}`,
      );
    }
    if (node.data[FLAG[kind]] !== true) {
      report.error(
        'container.child-flags',
        `${node.path}/data/${FLAG[kind]}`,
        `${describe(node)} is a child of ${kind} ${parent.id}: set data.${FLAG[kind]}: true`,
      );
    }
    const idField = ID_FIELD[kind];
    const ownId = node.data[idField];
    if (ownId !== undefined && ownId !== parent.id) {
      report.error(
        'container.child-flags',
        `${node.path}/data/${idField}`,
        `${describe(node)} has ${idField} "${String(ownId)}" but its parentId is "${parent.id}": make them equal`,
      );
    } else if (ownId === undefined && !kindOfStart) {
      report.warn(
        'container.child-flags',
        `${node.path}/data/${idField}`,
        `${describe(node)} lacks data.${idField}: "${parent.id}", which the runtime uses to map the ${kind}'s variables`,
      );
    }
  }
  for (const container of graph.nodes) {
    if (container.spec?.role !== 'container') continue;
    checkStartChild(ctx, container, dslVersion);
    if (container.type === 'iteration') checkIterationOutput(ctx, container);
  }
}

function checkStartChild(ctx: RuleContext, container: GraphNode, dslVersion: string): void {
  const { graph, report } = ctx;
  const startId = container.data.start_node_id as string;
  const startNode = graph.byId.get(startId);
  const path = `${container.path}/data/start_node_id`;
  if (!startNode) {
    report.error(
      'container.missing-start-node',
      path,
      `${describe(container)}: start_node_id "${startId}" is not a node; add a ${container.type}-start child with that id`,
    );
    return;
  }
  if (startNode.parentId !== container.id) {
    report.error(
      'container.missing-start-node',
      path,
      `${describe(container)}: start node "${startId}" is not its child (its parentId must be "${container.id}")`,
    );
    return;
  }
  const expected = `${container.type}-start`;
  if (hasContainerStartNodes(dslVersion) && startNode.type !== expected) {
    report.error(
      'container.start-node-type',
      path,
      `${describe(container)}: its start node must be a ${expected} node (DSL ≥ 0.1.2), found ${startNode.type}`,
    );
  }
  const extraStarts = graph.nodes.filter((n) => n.parentId === container.id && n.type === expected && n.id !== startId);
  for (const extra of extraStarts) {
    report.error(
      'container.multiple-start-nodes',
      extra.path,
      `${describe(container)} has a second ${expected} child ${extra.id}; keep only ${startId}`,
    );
  }
}

function isDescendant(ctx: RuleContext, id: string, ancestorId: string): boolean {
  let current = ctx.graph.byId.get(id)?.parentId;
  while (current) {
    if (current === ancestorId) return true;
    current = ctx.graph.byId.get(current)?.parentId;
  }
  return false;
}

function checkIterationOutput(ctx: RuleContext, container: GraphNode): void {
  const selector = container.data.output_selector as string[];
  const first = selector[0];
  if (first === undefined) return;
  if (ctx.graph.byId.has(first) && !isDescendant(ctx, first, container.id)) {
    ctx.report.error(
      'container.output-not-child',
      `${container.path}/data/output_selector/0`,
      `${describe(container)}: output_selector must name an output of a node inside the iteration, "${first}" is outside`,
    );
  }
}

export { isDescendant };
