import { describe, expect, it } from 'vitest';
import { oneLine, pgName, sqlString, tsString, tsValue } from './text.ts';

const HOSTILE = [
  'plain',
  "it's",
  '"double"',
  '\\',
  '\\"',
  "\\'",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: hostile text, not a template
  '`${process.exit(1)}`',
  '*/ evil(); /*',
  'line\nbreak\r\u2028\u2029end',
  '\u0000\u0007',
  '--> statement-breakpoint',
];

describe('escaping of user text', () => {
  it.each(HOSTILE)('tsString round-trips %j as one string literal', (value) => {
    const literal = tsString(value);
    expect(literal.startsWith("'") && literal.endsWith("'")).toBe(true);
    expect(new Function(`return ${literal};`)()).toBe(value);
    expect(literal).not.toMatch(/[\n\r\u2028\u2029]/);
  });

  it('tsValue round-trips JSON values', () => {
    const value = { a: "x'y", b: ['*/', 1, true, null], c: { d: '\u2028' } };
    expect(new Function(`return ${tsValue(value)};`)()).toEqual(value);
  });

  it.each(HOSTILE)('oneLine keeps %j inside a // comment', (value) => {
    const comment = `// ${oneLine(value)}`;
    expect(comment).not.toMatch(/[\n\r\u2028\u2029]/);
    expect(comment).not.toContain('*/');
  });

  it('sqlString never contains the migration breakpoint marker or an unescaped quote', () => {
    for (const value of HOSTILE) {
      const literal = sqlString(value);
      expect(literal).not.toContain('-->');
      expect(literal.slice(2, -1)).not.toMatch(/(^|[^\\])'/);
    }
  });

  it('pgName keeps long names distinct within 63 characters', () => {
    const a = pgName(`ck_${'x'.repeat(70)}_min`);
    const b = pgName(`ck_${'x'.repeat(70)}_max`);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(pgName('short')).toBe('short');
  });
});
