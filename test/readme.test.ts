import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configMarkdownTable } from '../src/platform/config.ts';

const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../README.md'), 'utf8');

describe('README', () => {
  it('has the two-command quick start', () => {
    expect(readme).toMatch(/^npm start\b/m);
    expect(readme).toMatch(/^npm test\b/m);
  });

  it('lists exactly the variables the configuration module reads', () => {
    const start = readme.indexOf('\n', readme.indexOf('<!-- config-table:start')) + 1;
    const end = readme.indexOf('<!-- config-table:end');
    // Column alignment is a formatter's business; the cells must match.
    const cells = (table: string) =>
      table
        .trim()
        .split('\n')
        .map((row) => row.split('|').map((c) => c.trim().replace(/^-+$/, '---')));
    expect(cells(readme.slice(start, end))).toEqual(cells(configMarkdownTable()));
  });
});
