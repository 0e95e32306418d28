import { describe, expect, it } from 'vitest';
import { COUNTERS, median, parallelLimit } from '../../bench/analysis-harness.ts';
import { loadFixture } from '../../src/analysis/tools/fixtures/fixture.ts';
import { TOOLS } from '../../src/analysis/tools/index.ts';

describe('analysis bench harness', () => {
  it('takes the parallel limit as max(longest tool, total CPU / cores)', () => {
    // CPU-bound: 3 tools of 4 s CPU each on 2 cores cannot beat 6 s although the longest takes 4 s.
    expect(
      parallelLimit(
        [4000, 4000, 4000].map((ms) => ({ wallMs: ms, cpuMs: ms })),
        2,
      ),
    ).toEqual({
      longest: 4000,
      cpu: 12000,
      limit: 6000,
    });
    // One long, mostly idle tool (a JVM start, a download) bounds the run however many cores there are.
    expect(
      parallelLimit(
        [
          { wallMs: 9000, cpuMs: 1000 },
          { wallMs: 500, cpuMs: 500 },
        ],
        2,
      ).limit,
    ).toBe(9000);
    expect(parallelLimit([], 2)).toEqual({ longest: 0, cpu: 0, limit: 0 });
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  // Each counter reads a tool's raw output without Orbit's parsers; on the real recorded outputs it must count
  // what Orbit's parser turns into findings, or the bench's "by hand" column would be wrong.
  const recorded = TOOLS.filter((t) => COUNTERS[t.name] && !['safety', 'snyk'].includes(t.name));
  it.each(recorded.map((t) => [t.name, t] as const))('counts %s findings as Orbit parses them', (name, tool) => {
    const output = loadFixture(name);
    const count = COUNTERS[name]?.({ stdout: output.stdout, stderr: output.stderr });
    expect(count).toBeGreaterThan(0); // a real report, so 0 === 0 proves nothing
    expect(count).toBe(tool.parse(output).length);
  });

  it('has a counter for every tool the bench runs by hand', () => {
    for (const t of TOOLS.filter((x) => !['safety', 'snyk'].includes(x.name))) expect(COUNTERS).toHaveProperty(t.name);
  });
});
