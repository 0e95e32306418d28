import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { itWhen } from '../../../../test/support/services.ts';
import { wrap } from './layout.ts';
import { markdownLine, pyJson, pyStr, tomlStr } from './python.ts';
import { patternSamples } from './regex-sample.ts';

const HOSTILE = [
  '',
  'plain',
  'say "hi"',
  "it's",
  `both ' and "`,
  '"""',
  "'''",
  'back\\slash\\',
  'line\nbreak\r\nand\ttab',
  '"); __import__("os").system("id") #',
  "'; DROP TABLE users; --",
  'nul\u0000 bell\u0007 del\u007f',
  'sep\u2028para\u2029',
  'ünïcödé ✓ 𝄞',
  '\\N{BULLET} \\x41 \\u0041',
  '{braces} %s %(x)s',
];

const python = spawnSync('python3', ['-c', 'print(1)'], { encoding: 'utf8' }).status === 0;

describe('pyStr', () => {
  it('writes printable ASCII only, in the quote ruff format keeps', () => {
    for (const s of HOSTILE) {
      const literal = pyStr(s);
      expect(
        [...literal].every((ch) => ch >= ' ' && ch <= '~'),
        literal,
      ).toBe(true);
    }
    expect(pyStr('say "hi"')).toBe(`'say "hi"'`);
    expect(pyStr("it's")).toBe(`"it's"`);
    expect(pyStr('a\nb')).toBe('"a\\nb"');
  });

  itWhen(python, 'python3 is not installed')('gives back exactly the string when Python reads the literal', () => {
    const program = [
      'import ast, json, sys',
      'literals = json.load(sys.stdin)',
      'print(json.dumps([ast.literal_eval(x) for x in literals]))',
    ].join('\n');
    const literals = [...HOSTILE.map(pyStr), pyJson({ 'k\'"': [1, 2.5, true, null, 'x\ny'] }, '')];
    const result = spawnSync('python3', ['-c', program], { input: JSON.stringify(literals), encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual([...HOSTILE, { 'k\'"': [1, 2.5, true, null, 'x\ny'] }]);
  });
});

describe('other escapers', () => {
  it('tomlStr and markdownLine keep user text on one inert line', () => {
    expect(tomlStr('a"b\\c\nd\u007f')).toBe('"a\\"b\\\\c\\nd\\u007F"');
    expect(markdownLine('# title\n<script>x</script> `code`')).toBe('\\# title \\<script\\>x\\</script\\> \\`code\\`');
  });

  it('wraps a call onto one line when it fits, one item per line with a trailing comma when not', () => {
    expect(wrap('    ', 'f', ['a', 'b'])).toBe('    f(a, b)');
    expect(wrap('', 'f', ['x'.repeat(60), 'y'.repeat(60)])).toBe(
      `f(\n    ${'x'.repeat(60)},\n    ${'y'.repeat(60)},\n)`,
    );
  });
});

describe('patternSamples', () => {
  const cases: [string, number, number][] = [
    ['^[^@]+@[^@]+$', 3, 255],
    ['^C-[0-9]{4}$', 0, 12],
    ['^[a-z][a-z0-9-]*$', 0, 40],
    ['^[a-z\'"\\\\]+$', 0, 30],
    ['^(red|green|blue)$', 0, 10],
    ['\\d{3}-\\d{2}', 0, 20],
    ['^\\w+(\\.\\w+)?$', 2, 8],
  ];
  it('gives distinct matching samples within the length bounds and a non-matching one', () => {
    for (const [pattern, min, max] of cases) {
      const regex = new RegExp(pattern);
      const found = patternSamples(pattern, 8, min, max);
      expect(found.valid.length, pattern).toBeGreaterThan(0);
      expect(new Set(found.valid).size).toBe(found.valid.length);
      for (const v of found.valid) {
        expect(regex.test(v), `${pattern} ${v}`).toBe(true);
        expect(v.length).toBeGreaterThanOrEqual(min);
        expect(v.length).toBeLessThanOrEqual(max);
      }
      expect(found.invalid, pattern).toBeDefined();
      expect(regex.test(found.invalid ?? ''), pattern).toBe(false);
    }
  });

  it('reports no sample rather than a wrong one for a pattern it cannot read', () => {
    expect(patternSamples('(?<=a)b', 4).valid).toEqual([]);
    expect(patternSamples('[', 4).valid).toEqual([]);
  });
});
