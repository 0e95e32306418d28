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
    expect(readme.slice(start, end).trim()).toBe(configMarkdownTable());
  });
});
