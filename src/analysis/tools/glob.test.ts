import { describe, expect, it } from 'vitest';
import { compileGlobs, globToRegExp } from './glob.ts';

describe('appliesTo globs', () => {
  it('** crosses directories, * does not', () => {
    const py = compileGlobs(['**/*.py']);
    expect(py('app.py')).toBe(true);
    expect(py('a/b/c.py')).toBe(true);
    expect(py('a/b/c.pyc')).toBe(false);
    expect(globToRegExp('src/*.js').test('src/a/b.js')).toBe(false);
  });

  it('{a,b} alternatives and literal dots', () => {
    const yaml = compileGlobs(['**/*.{yml,yaml}']);
    expect(yaml('ci/x.yml')).toBe(true);
    expect(yaml('x.yaml')).toBe(true);
    expect(yaml('xyml')).toBe(false);
  });

  it('a pattern without a slash matches the base name anywhere', () => {
    expect(compileGlobs(['.bashrc'])('home/.bashrc')).toBe(true);
  });

  it('refuses unbalanced braces', () => {
    expect(() => globToRegExp('**/*.{js')).toThrow(/unbalanced/);
  });
});
