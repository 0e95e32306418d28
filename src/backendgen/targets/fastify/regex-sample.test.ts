import { describe, expect, it } from 'vitest';
import { patternCounterexample, patternSamples } from './regex-sample.ts';

const unbounded = { minLength: 0, maxLength: Number.POSITIVE_INFINITY };

describe('patternSamples', () => {
  it.each([
    '^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$',
    '^[A-Z]{3}-\\d{4}$',
    '^(draft|live)_[0-9]+$',
    '^\\+?[0-9 ()-]{7,20}$',
    '^[a-z0-9-]+(?:\\.[a-z]+)*$',
    '^\\p{L}+$',
    '^[a-z]+[0-9]*(\\*/|\'|"|`)?$',
  ])('gives distinct strings that match %s', (pattern) => {
    const samples = patternSamples(pattern, unbounded, 50);
    const regex = new RegExp(pattern, 'u');
    if (pattern.includes('\\p{')) {
      // Unicode property escapes are not generated: no wrong samples, just none.
      expect(samples).toEqual([]);
      return;
    }
    expect(samples.length).toBe(50);
    expect(new Set(samples).size).toBe(50);
    for (const s of samples) expect(regex.test(s), s).toBe(true);
  });

  it('respects length bounds', () => {
    const samples = patternSamples('^[a-z]+$', { minLength: 5, maxLength: 6 }, 20);
    expect(samples.length).toBe(20);
    for (const s of samples) expect(s.length >= 5 && s.length <= 6, s).toBe(true);
  });

  it('is deterministic', () => {
    expect(patternSamples('^[a-z]{2}\\d$', unbounded, 30)).toEqual(patternSamples('^[a-z]{2}\\d$', unbounded, 30));
  });

  it('returns nothing for an invalid pattern', () => {
    expect(patternSamples('([a-z', unbounded, 5)).toEqual([]);
  });
});

describe('patternCounterexample', () => {
  it('finds a string the pattern rejects, within the bounds when possible', () => {
    const bad = patternCounterexample('^[a-z]+$', { minLength: 2, maxLength: 10 });
    expect(bad).toBeDefined();
    expect(/^[a-z]+$/u.test(bad!)).toBe(false);
    expect(bad!.length).toBeGreaterThanOrEqual(2);
  });

  it('has none for a pattern that accepts everything', () => {
    expect(patternCounterexample('^[\\s\\S]*$', unbounded)).toBeUndefined();
  });
});
