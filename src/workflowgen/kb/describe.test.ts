import { describe, expect, it } from 'vitest';
import type { DslDocument } from '../dsl/index.ts';
import { describeWorkflow } from './describe.ts';
import { queryWords, structuralScore } from './features.ts';
import { readLicenceTable } from './seed.ts';

function doc(
  mode: 'workflow' | 'advanced-chat',
  nodes: [string, Record<string, unknown>][],
  edges: [string, string, string?][],
  extra: Partial<DslDocument['workflow']> = {},
): DslDocument {
  return {
    app: { name: 'Test app', mode, description: '' },
    workflow: {
      graph: {
        // an editor note is `type: custom-note` on the wrapper, with an empty data type
        nodes: nodes.map(([id, data]) => ({ id, data, type: data.type === '' ? 'custom-note' : 'custom' })),
        edges: edges.map(([source, target, sourceHandle]) => ({
          source,
          target,
          sourceHandle: sourceHandle ?? 'source',
        })),
      },
      ...extra,
    },
  };
}

describe('describeWorkflow', () => {
  it('names patterns from node types: branching, classification, rag, http, human-input, error-handling', () => {
    const d = describeWorkflow(
      doc(
        'workflow',
        [
          ['s', { type: 'start', title: 'Begin' }],
          ['q', { type: 'question-classifier', classes: [{ id: '1', name: 'Refund request' }] }],
          ['k', { type: 'knowledge-retrieval' }],
          [
            'h',
            {
              type: 'http-request',
              method: 'post',
              url: 'https://api.example.com/tickets',
              error_strategy: 'fail-branch',
            },
          ],
          ['m', { type: 'human-input' }],
          ['e', { type: 'end', outputs: [{ variable: 'ticket_id' }] }],
        ],
        [],
      ),
    );
    expect(d.nodeTypes).toEqual([
      'end',
      'http-request',
      'human-input',
      'knowledge-retrieval',
      'question-classifier',
      'start',
    ]);
    expect(d.patterns).toEqual(['branching', 'classification', 'rag', 'http', 'human-input', 'error-handling']);
    expect(d.searchText).toContain('Refund request');
    expect(d.searchText).toContain('https://api.example.com/tickets');
    expect(d.searchText).toContain('ticket_id');
  });

  it('sees parallel fan-out (two edges from one handle) but not the two handles of a branch', () => {
    const nodes: [string, Record<string, unknown>][] = [
      ['s', { type: 'start' }],
      ['i', { type: 'if-else', cases: [{ case_id: 'yes' }] }],
      ['a', { type: 'end' }],
      ['b', { type: 'end' }],
    ];
    const branch = describeWorkflow(
      doc('workflow', nodes, [
        ['s', 'i'],
        ['i', 'a', 'yes'],
        ['i', 'b', 'false'],
      ]),
    );
    expect(branch.patterns).not.toContain('parallel');
    const fan = describeWorkflow(
      doc('workflow', nodes, [
        ['s', 'a'],
        ['s', 'b'],
      ]),
    );
    expect(fan.patterns).toContain('parallel');
  });

  it('reads legacy type names as today’s, skips editor notes and counts several model calls', () => {
    const d = describeWorkflow(
      doc(
        'advanced-chat',
        [
          ['s', { type: 'start' }],
          ['v', { type: 'variable-assigner' }],
          ['l1', { type: 'llm', prompt_template: [{ role: 'system', text: '\n You are {{#s.x#}} a critic.\nMore.' }] }],
          ['l2', { type: 'llm', prompt_template: { text: 'Summarise the text' } }],
          ['n', { type: '' }],
          ['a', { type: 'answer', answer: 'Done' }],
        ],
        [],
        { conversation_variables: [{ id: '1', name: 'history', value_type: 'string' }] },
      ),
    );
    expect(d.nodeTypes).toEqual(['answer', 'llm', 'start', 'variable-aggregator']);
    expect(d.patterns).toEqual(['multi-llm', 'conversation-memory', 'aggregation']);
    expect(d.searchText).toContain('You are a critic.');
    expect(d.searchText).not.toContain('More.');
    expect(d.searchText).toContain('Summarise the text');
    expect(d.searchText).toContain('history');
    expect(d.description).toMatch(/^Chatflow \(advanced-chat\) app with 5 nodes: .*llm ×2/);
  });

  it('prefers overrides, then the app’s own name and description', () => {
    const base = doc('workflow', [['s', { type: 'start' }]], []);
    base.app.description = 'Own words';
    expect(describeWorkflow(base)).toMatchObject({ name: 'Test app', description: 'Own words' });
    expect(describeWorkflow(base, { name: ' Mine ', description: 'Better' })).toMatchObject({
      name: 'Mine',
      description: 'Better',
    });
  });
});

describe('search vocabulary', () => {
  it('scores an entry by the query words that name its node types or patterns', () => {
    const words = queryWords('Loops over each file, calling APIs');
    expect(words).toEqual(expect.arrayContaining(['loops', 'loop', 'each', 'file', 'apis', 'api']));
    expect(structuralScore(words, ['loop', 'http-request'], ['loop', 'http'])).toBe(2); // loop, api
    expect(structuralScore(words, ['iteration', 'document-extractor'], ['iteration', 'file-input'])).toBe(2);
    expect(structuralScore(['weather'], ['llm'], [])).toBe(0);
  });
});

describe('readLicenceTable', () => {
  it('reads the licence per file from the README table, whatever its column order', () => {
    const readme = [
      '# Examples',
      '',
      '| licence | source | file |',
      '|---|---|---|',
      '| MIT | svcvit | `a.yml` |',
      '| Dify Open Source License | langgenius | b.yml |',
      '',
      '| other | table |',
      '|---|---|',
      '| c.yml | x |',
    ].join('\n');
    expect([...readLicenceTable(readme)]).toEqual([
      ['a.yml', 'MIT'],
      ['b.yml', 'Dify Open Source License'],
    ]);
  });
});
