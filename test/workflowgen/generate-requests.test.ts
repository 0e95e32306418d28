import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { draftToDocument, parseWorkflowRequest, scoreWorkflow } from '../../src/workflowgen/agents/index.ts';
import { branchingDraft, linearDraft } from '../../src/workflowgen/agents/scripted.ts';

const DIR = new URL('../../examples/workflow-requests/', import.meta.url);
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

describe('examples/workflow-requests (the generator benchmark)', () => {
  it('holds at least 20 well-formed requests with unique ids, both app modes and real node types', () => {
    const requests = files.map((f) => parseWorkflowRequest(parse(readFileSync(new URL(f, DIR), 'utf8')), f));
    expect(requests.length).toBeGreaterThanOrEqual(20);
    expect(new Set(requests.map((r) => r.id)).size).toBe(requests.length);
    expect(new Set(requests.map((r) => r.mode))).toEqual(new Set(['workflow', 'advanced-chat']));
    for (const r of requests) {
      // the terminal node type must fit the mode, or no valid answer could meet the expectation
      expect(r.expect.nodeTypes).toContain(r.mode === 'workflow' ? 'end' : 'answer');
      if (r.mode === 'advanced-chat') expect(r.expect.outputs).toBeUndefined();
    }
  });

  it('a malformed request file is refused with the field and the file named', () => {
    expect(() => parseWorkflowRequest({ id: 'x', request: 'r', mode: 'chat', expect: {} }, 'bad.yaml')).toThrow(
      /bad\.yaml is not a valid workflow request: .*\/mode/,
    );
    expect(() =>
      parseWorkflowRequest({ id: 'x', request: 'r', mode: 'workflow', expect: { nodeTypes: ['lmm'] } }, 'typo.yaml'),
    ).toThrow(/typo\.yaml: expect.nodeTypes names "lmm"/);
  });

  it('scores a workflow against the expectations: node types, branches, inputs, outputs, mode', () => {
    const request = parseWorkflowRequest(
      {
        id: 'triage',
        request: 'Triage tickets',
        mode: 'workflow',
        expect: { nodeTypes: ['start', 'if-else', 'end'], branches: 2, inputs: 1, outputs: 2, inputTypes: ['file'] },
      },
      'triage.yaml',
    );
    const branching = scoreWorkflow(request, draftToDocument(branchingDraft(), 'workflow'));
    expect(Object.fromEntries(branching.map((c) => [c.name, c.passed]))).toEqual({
      mode: true,
      'node start': true,
      'node if-else': true,
      'node end': true,
      '≥2 branches': true,
      '≥1 inputs': true,
      'input of type file': false,
      '≥2 outputs': false,
    });
    const linear = scoreWorkflow(request, draftToDocument(linearDraft('advanced-chat'), 'advanced-chat'));
    expect(linear.filter((c) => !c.passed).map((c) => c.name)).toEqual([
      'mode',
      'node if-else',
      'node end',
      '≥2 branches',
      '≥1 inputs',
      'input of type file',
      '≥2 outputs',
    ]);
  });
});
