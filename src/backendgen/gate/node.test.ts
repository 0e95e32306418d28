import { describe, expect, it } from 'vitest';
import { countLintProblems, countTests, countTypeErrors, dependencyHash } from './node.ts';

describe('node gate output parsing', () => {
  it('counts tsc errors', () => {
    expect(countTypeErrors('src/a.ts(1,2): error TS2322: x\nsrc/b.ts(3,4): error TS7006: y\n')).toBe(2);
    expect(countTypeErrors('')).toBe(0);
  });

  it("reads ESLint's stylish summary", () => {
    expect(countLintProblems('\n✖ 3 problems (2 errors, 1 warning)\n')).toEqual({
      problems: 3,
      errors: 2,
      warnings: 1,
    });
    expect(countLintProblems('✖ 1 problem (1 error, 0 warnings)')).toEqual({ problems: 1, errors: 1, warnings: 0 });
    expect(countLintProblems('')).toEqual({ problems: 0, errors: 0, warnings: 0 });
  });

  it("reads vitest's summary", () => {
    const out = ' Test Files  1 failed | 4 passed (5)\n      Tests  2 failed | 130 passed | 1 skipped (133)\n';
    expect(countTests(out)).toEqual({ passed: 130, failed: 2, skipped: 1, total: 133, files: 5 });
    expect(countTests(' Test Files  5 passed (5)\n      Tests  136 passed (136)\n')).toEqual({
      passed: 136,
      failed: 0,
      skipped: 0,
      total: 136,
      files: 5,
    });
  });
});

describe('dependency cache key', () => {
  it('depends on the exact set, not on its order', () => {
    const a = dependencyHash({ dependencies: { x: '1.0.0', y: '2.0.0' }, devDependencies: {} });
    const b = dependencyHash({ dependencies: { y: '2.0.0', x: '1.0.0' }, devDependencies: {} });
    const c = dependencyHash({ dependencies: { x: '1.0.1', y: '2.0.0' }, devDependencies: {} });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toMatch(/^[0-9a-f]{24}$/);
  });
});
