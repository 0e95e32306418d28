import { describe, type GraphNode, type RuleContext } from '../graph.ts';
import { escapePointer } from '../issues.ts';
import type { SelectorRef } from '../nodes/common.ts';
import { isDescendant } from './containers.ts';

/** graphon variable_template_parser: a node id (or sys/env/conversation) and 1–10 variable segments. */
const TEMPLATE = /\{\{#([a-zA-Z0-9_]{1,50})((?:\.[a-zA-Z_][a-zA-Z0-9_]{0,29}){1,10})#\}\}/g;

/** System variables (dify SystemVariableKey); the chat ones exist only in advanced-chat apps. */
const SYSTEM_VARIABLES = new Set([
  'files',
  'user_id',
  'app_id',
  'workflow_id',
  'workflow_run_id',
  'timestamp',
  'invoke_from',
  'document_id',
  'original_document_id',
  'batch',
  'dataset_id',
  'datasource_type',
  'datasource_info',
]);
const CHAT_SYSTEM_VARIABLES = new Set(['query', 'conversation_id', 'dialogue_count']);
/** Keys whose strings are code or labels, not templates. */
const NOT_TEMPLATES = new Set(['code', 'title', 'desc', 'paramSchemas', 'output_schema', 'params']);

/** Anything written like a reference; what does not match TEMPLATE stays literal text at run time. */
const TEMPLATE_LIKE = /\{\{#([^#{}]{1,200})#\}\}/g;
/** Placeholders that are not variable references: the LLM context and human-input form fields. */
const PLACEHOLDER = /^(context|\$outputs\.[A-Za-z0-9_]+)$/;
const STRICT_TEMPLATE = new RegExp(`^${TEMPLATE.source}$`);

interface FoundRef extends SelectorRef {
  template: boolean;
  /** Text written like a reference that the engine will not resolve. */
  unparsable?: string;
}

/** Selectors under `*selector` keys and `{{#…#}}` templates anywhere in a node's data; disabled sub-objects are skipped. */
export function collectReferences(node: GraphNode): FoundRef[] {
  const found: FoundRef[] = [];
  const walk = (value: unknown, path: string, key: string): void => {
    if (typeof value === 'string') {
      if (NOT_TEMPLATES.has(key)) return;
      for (const m of value.matchAll(TEMPLATE)) {
        found.push({ path, selector: [m[1] as string, ...(m[2] as string).slice(1).split('.')], template: true });
      }
      for (const m of value.matchAll(TEMPLATE_LIKE)) {
        const inner = m[1] as string;
        if (!PLACEHOLDER.test(inner) && !STRICT_TEMPLATE.test(m[0])) {
          found.push({ path, selector: inner.split('.'), template: true, unparsable: m[0] });
        }
      }
      return;
    }
    if (Array.isArray(value)) {
      if (/selector$/.test(key) && value.every((s) => typeof s === 'string')) {
        if (value.length > 0) found.push({ path, selector: value as string[], template: false });
        return;
      }
      value.forEach((v, i) => {
        walk(v, `${path}/${i}`, key);
      });
      return;
    }
    if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      // a disabled feature (context, vision, memory) keeps stale selectors the runtime never reads
      if (record.enabled === false) return;
      for (const [k, v] of Object.entries(record)) {
        if (NOT_TEMPLATES.has(k)) continue;
        walk(v, `${path}/${escapePointer(k)}`, k);
      }
    }
  };
  walk(node.data, '', '');
  for (const ref of node.spec?.selectors?.(node.data) ?? []) found.push({ ...ref, template: false });
  return found;
}

/** Nodes whose outputs a node may read: those before it on some path, and its containers and what precedes them. */
function upstreamOf(ctx: RuleContext, memo: Map<string, Set<string>>, id: string): Set<string> {
  const cached = memo.get(id);
  if (cached) return cached;
  const result = new Set<string>();
  memo.set(id, result);
  const stack = [id];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    for (const edge of ctx.graph.incoming.get(current) ?? []) {
      if (!result.has(edge.source)) {
        result.add(edge.source);
        stack.push(edge.source);
      }
    }
  }
  const parentId = ctx.graph.byId.get(id)?.parentId;
  if (parentId && ctx.graph.byId.has(parentId)) {
    result.add(parentId);
    for (const up of upstreamOf(ctx, memo, parentId)) result.add(up);
  }
  return result;
}

/** Every selector and template names a variable that exists and is computed before the node runs. */
export function checkReferences(ctx: RuleContext): void {
  const memo = new Map<string, Set<string>>();
  for (const node of ctx.graph.nodes) {
    if (!node.spec) continue;
    const seen = new Set<string>();
    for (const ref of collectReferences(node)) {
      const key = `${ref.path}\u0000${ref.unparsable ?? ref.selector.join('.')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      checkOne(ctx, memo, node, ref);
    }
  }
}

function checkOne(ctx: RuleContext, memo: Map<string, Set<string>>, node: GraphNode, ref: FoundRef): void {
  const { report, mode } = ctx;
  const path = `${node.path}/data${ref.path}`;
  const [first, second] = ref.selector;
  const shown = ref.template ? `{{#${ref.selector.join('.')}#}}` : `[${ref.selector.join(', ')}]`;
  const at = `${describe(node)} reads ${shown}`;
  if (ref.unparsable) {
    // a warning, as Dify imports it; the parts are still checked below so a typo is also reported
    report.warn(
      'reference.unparsable-template',
      path,
      `${describe(node)}: "${ref.unparsable}" is not a reference Dify resolves (node id [A-Za-z0-9_]{1,50}, then 1–10 names [A-Za-z_][A-Za-z0-9_]{0,29}), so it stays literal text: fix the node id or variable name`,
    );
  }
  if (first === undefined) return;
  if (second === undefined) {
    report.error('reference.malformed', path, `${at}: a selector needs a node id and a variable name`);
    return;
  }
  if (first === 'sys') {
    if (CHAT_SYSTEM_VARIABLES.has(second)) {
      if (mode !== 'advanced-chat') {
        report.error(
          'reference.unknown-system-variable',
          path,
          `${at}: sys.${second} exists only in advanced-chat apps; in a workflow app take it from a start variable`,
        );
      }
    } else if (!SYSTEM_VARIABLES.has(second)) {
      report.error('reference.unknown-system-variable', path, `${at}: there is no system variable sys.${second}`);
    }
    return;
  }
  if (first === 'env') {
    if (!ctx.environmentVariables.has(second)) {
      report.error(
        'reference.unknown-environment-variable',
        path,
        `${at}: no environment variable "${second}" is declared in workflow.environment_variables`,
      );
    }
    return;
  }
  if (first === 'conversation') {
    if (mode !== 'advanced-chat') {
      report.error(
        'reference.unknown-conversation-variable',
        path,
        `${at}: conversation variables exist only in advanced-chat apps`,
      );
    } else if (!ctx.conversationVariables.has(second)) {
      report.error(
        'reference.unknown-conversation-variable',
        path,
        `${at}: no conversation variable "${second}" is declared in workflow.conversation_variables`,
      );
    }
    return;
  }
  const target = ctx.graph.byId.get(first);
  if (!target) {
    const hint = first === 'rag' ? ' (rag.* variables exist only in RAG pipelines)' : '';
    report.error(
      'reference.unknown-node',
      path,
      `${at}: there is no node "${first}"${hint}; point it at an upstream node's output`,
    );
    return;
  }
  // a container reads its own variables and its children's outputs (loop break conditions, iteration output_selector)
  const ownScope = target.id === node.id || isDescendant(ctx, target.id, node.id);
  const isContainer = node.spec?.role === 'container';
  if (!(isContainer && ownScope) && !upstreamOf(ctx, memo, node.id).has(target.id)) {
    report.error(
      'reference.not-upstream',
      path,
      `${at}: ${describe(target)} does not run before this node on any path, so the value does not exist yet; reference a node upstream or reconnect the edges`,
    );
    return;
  }
  if (!target.spec) return;
  const outputs = target.spec.outputs(target.data);
  const withErrors =
    typeof target.data.error_strategy === 'string' && target.data.error_strategy !== 'none'
      ? [...outputs.names, 'error_message', 'error_type']
      : outputs.names;
  if (!outputs.open && !withErrors.includes(second)) {
    report.error(
      'reference.unknown-output',
      path,
      `${at}: ${describe(target)} has no output "${second}"; its outputs are ${withErrors.length > 0 ? withErrors.join(', ') : 'none'}`,
    );
  }
}
