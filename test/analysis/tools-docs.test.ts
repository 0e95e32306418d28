import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toolTableMarkdown } from '../../src/analysis/tools/table.ts';

describe('docs/analysis.md', () => {
  it('shows the tool table made from the descriptors', () => {
    const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/analysis.md'), 'utf8');
    expect(doc).toContain(toolTableMarkdown());
  });
});
