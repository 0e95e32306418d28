import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { validateDsl } from '../dsl/index.ts';
import { diffWorkflows, isEmptyDiff, renderDiff } from './diff.ts';
import { documentToDraft, draftToDocument } from './normalize.ts';
import { renderPrompt } from './prompts.ts';
import { branchingDraft, linearDraft } from './scripted.ts';

const EXAMPLES = new URL('../../../examples/workflows/', import.meta.url);
const exampleFiles = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yml'));

describe('draft ⇄ document', () => {
  it('a draft becomes a complete DSL that validates, with editor fields filled in', () => {
    const doc = draftToDocument(branchingDraft(), 'workflow');
    const result = validateDsl(stringify(doc));
    expect(result.errors).toEqual([]);
    expect(doc).toMatchObject({ kind: 'app', version: '0.6.0', app: { mode: 'workflow', name: 'Ticket triage' } });
    const edge = doc.workflow.graph.edges[1];
    expect(edge).toMatchObject({
      id: 'urgent-urgent-escalate-target',
      sourceHandle: 'urgent',
      targetHandle: 'target',
      data: { sourceType: 'if-else', targetType: 'llm' },
    });
    // layered layout: every node after the start sits to its right
    const xs = doc.workflow.graph.nodes.map((n) => (n as { position: { x: number } }).position.x);
    expect(xs[1]).toBeGreaterThan(xs[0] ?? 0);
  });

  it('the app mode is Orbit’s choice, not the draft’s', () => {
    const draft = linearDraft('advanced-chat');
    draft.app.mode = 'workflow';
    expect(draftToDocument(draft, 'advanced-chat').app.mode).toBe('advanced-chat');
  });

  it('iteration children get their container flags from the parent', () => {
    const draft = linearDraft('workflow');
    const nodes = draft.workflow.graph.nodes;
    nodes.splice(2, 0, {
      id: 'each',
      data: {
        type: 'iteration',
        title: 'Each',
        iterator_selector: ['split', 'items'],
        output_selector: ['inner', 'output'],
        start_node_id: 'each_start',
      },
    });
    nodes.push({ id: 'each_start', parentId: 'each', data: { type: 'iteration-start', title: '' } });
    const doc = draftToDocument(draft, 'workflow');
    const child = (doc.workflow.graph.nodes as { id?: string }[]).find((n) => n.id === 'each_start');
    expect(child).toMatchObject({
      parentId: 'each',
      type: 'custom-iteration-start',
      data: { isInIteration: true, iteration_id: 'each' },
    });
  });

  // Edit mode rebuilds the file from the draft the model returns: an unchanged draft must give back the same graph.
  it.each(exampleFiles)('%s survives document → draft → document unchanged and valid', (file) => {
    const text = readFileSync(new URL(file, EXAMPLES), 'utf8');
    const original = validateDsl(text).document;
    if (!original) throw new Error(`${file} did not parse`);
    const mode = original.app.mode as 'workflow' | 'advanced-chat';
    const rebuilt = draftToDocument(documentToDraft(original), mode, original);
    const diff = diffWorkflows(original, rebuilt);
    expect(renderDiff(diff)).toContain('No node or edge changed');
    expect(isEmptyDiff(diff)).toBe(true);
    expect(validateDsl(stringify(rebuilt)).errors).toEqual([]);
  });
});

describe('diff', () => {
  it('names added, removed and changed nodes and edges', () => {
    const a = draftToDocument(linearDraft('workflow'), 'workflow');
    const changed = linearDraft('workflow');
    const writer = changed.workflow.graph.nodes[1];
    if (writer) writer.data.title = 'Rewrite';
    changed.workflow.graph.nodes.push({ id: 'extra', data: { type: 'code', title: 'Extra' } });
    changed.workflow.graph.edges.push({ source: 'writer', target: 'extra' });
    const diff = diffWorkflows(a, draftToDocument(changed, 'workflow'));
    expect(diff.nodes).toEqual({
      added: [{ id: 'extra', type: 'code', title: 'Extra' }],
      removed: [],
      changed: [{ id: 'writer', type: 'llm', title: 'Rewrite', fields: ['title'] }],
    });
    expect(diff.edges).toEqual({ added: [{ source: 'writer', sourceHandle: 'source', target: 'extra' }], removed: [] });
    const reverse = renderDiff(diffWorkflows(draftToDocument(changed, 'workflow'), a));
    expect(reverse).toContain('− `extra` code "Extra"');
    expect(reverse).toContain('− `writer` → `extra`');
  });
});

describe('prompts', () => {
  it('fills placeholders once and never expands Dify templates or text put in', () => {
    const p = renderPrompt('understand', { request: 'use {{#start.x#}} and {{request}}' });
    expect(p).toContain('use {{#start.x#}} and {{request}}');
    expect(() => renderPrompt('understand')).toThrow(/needs a value for \{\{request\}\}/);
  });
});
