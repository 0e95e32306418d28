import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateDsl } from './index.ts';
import { dslToMermaid } from './mermaid.ts';

const EXAMPLES = path.resolve(import.meta.dirname, '../../../examples/workflows');

describe('dslToMermaid', () => {
  it('draws one box per node and one arrow per edge, with branch handles as labels, for every bundled example', () => {
    const files = fs.readdirSync(EXAMPLES).filter((f) => /\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const { document } = validateDsl(fs.readFileSync(path.join(EXAMPLES, f), 'utf8'));
      if (!document) throw new Error(`${f} did not parse`);
      const chart = dslToMermaid(document);
      const nodes = (document.workflow.graph.nodes as { type?: string }[]).filter((n) => n.type !== 'custom-note');
      const edges = document.workflow.graph.edges as { sourceHandle?: string }[];
      expect(chart.startsWith('flowchart LR'), f).toBe(true);
      expect(chart.match(/<br\/><small>/g)?.length, f).toBe(nodes.length);
      expect(chart.match(/-->/g)?.length, f).toBe(edges.length);
      // Labels never carry characters that would end a Mermaid label early.
      for (const m of chart.matchAll(/"([^"]*)"/g)) expect(m[1], f).not.toMatch(/[[\]{}|]/);
    }
  });
});
