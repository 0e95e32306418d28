import { describe, expect, it } from 'vitest';
import { parseLock, pytestCounts, toolCounts } from './python.ts';
import { LOCKED_PACKAGES, requirementsLock } from './python-lock.ts';

describe('python gate helpers', () => {
  it('reads a lock of pinned packages, sorted, and refuses anything pip could take as an option or a URL', () => {
    expect(parseLock('# comment\nb==1\n\na[x,y]==2.0\n')).toEqual(['a[x,y]==2.0', 'b==1']);
    expect(parseLock(requirementsLock())).toEqual([...LOCKED_PACKAGES].sort());
    for (const bad of ['--index-url http://evil', '-e git+https://x/y', 'pkg>=1', 'pkg @ https://x', 'pkg==1; os']) {
      expect(() => parseLock(`ok==1\n${bad}\n`), bad).toThrow(/may only pin packages/);
    }
  });

  it('counts ruff and mypy findings from their summaries', () => {
    expect(
      toolCounts(
        'ruff format',
        'unformatted: File would be reformatted\n --> a.py:1:1\n\n1 file would be reformatted, 3 files already formatted',
      ),
    ).toEqual({ files: 1 });
    expect(toolCounts('ruff format', '29 files already formatted')).toEqual({ files: 0 });
    expect(
      toolCounts(
        'ruff check',
        'app/a.py:3:1: F401 [*] `os` imported but unused\napp/b.py:1:1: I001 x\nFound 2 errors.',
      ),
    ).toEqual({ issues: 2 });
    expect(
      toolCounts(
        'mypy --strict',
        'app/x.py:1: error: bad  [assignment]\nFound 1 error in 1 file (checked 3 source files)',
      ),
    ).toEqual({ errors: 1 });
    expect(toolCounts('mypy --strict', 'Success: no issues found in 28 source files')).toEqual({ errors: 0 });
  });

  it('counts pytest results from its summary line', () => {
    expect(pytestCounts('....\n64 passed in 2.43s\n')).toEqual({ passed: 64, failed: 0, errors: 0, skipped: 0 });
    expect(pytestCounts('FAILED x\n1 failed, 8 passed, 1 skipped, 2 errors in 0.56s')).toEqual({
      passed: 8,
      failed: 1,
      errors: 2,
      skipped: 1,
    });
    expect(pytestCounts('ERROR: usage')).toEqual({ passed: 0, failed: 0, errors: 0, skipped: 0 });
  });
});
