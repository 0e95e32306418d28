import { describe, expect, it } from 'vitest';
import { parseLock, pytestCounts } from './python.ts';
import { LOCKED_PACKAGES, requirementsLock } from './python-lock.ts';

describe('python gate helpers', () => {
  it('reads a lock of pinned packages, sorted, and refuses anything pip could take as an option or a URL', () => {
    expect(parseLock('# comment\nb==1\n\na[x,y]==2.0\n')).toEqual(['a[x,y]==2.0', 'b==1']);
    expect(parseLock(requirementsLock())).toEqual([...LOCKED_PACKAGES].sort());
    for (const bad of ['--index-url http://evil', '-e git+https://x/y', 'pkg>=1', 'pkg @ https://x', 'pkg==1; os']) {
      expect(() => parseLock(`ok==1\n${bad}\n`), bad).toThrow(/may only pin packages/);
    }
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
