import { describe, expect, it } from 'vitest';
import { costOf, findPrice, PRICE_TABLE } from './pricing.ts';

describe('pricing', () => {
  it('every row names an https source and an ISO date', () => {
    for (const row of PRICE_TABLE) {
      expect(row.source).toMatch(/^https:\/\//);
      expect(row.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(row.input).toBeGreaterThan(0);
      expect(row.output).toBeGreaterThan(0);
    }
  });

  it('dated snapshots match their family but other suffixes do not', () => {
    expect(findPrice('anthropic', 'claude-sonnet-4-5-20250929')?.price.input).toBe(3);
    expect(findPrice('openai', 'gpt-4o-2024-08-06')?.price.output).toBe(10);
    expect(findPrice('openai', 'gpt-4o-mini')?.price.input).toBe(0.15);
    expect(findPrice('openai', 'gpt-4o-audio-preview')).toBeUndefined();
  });

  it('openai-compatible models are priced only by override, and overrides win', () => {
    expect(findPrice('openai-compatible', 'gpt-4o')).toBeUndefined();
    const overrides = { 'openai-compatible:qwen': { input: 0, output: 0 }, 'openai:gpt-4o': { input: 1, output: 2 } };
    expect(findPrice('openai-compatible', 'qwen', overrides)?.origin).toBe('override');
    expect(findPrice('openai', 'gpt-4o', overrides)?.price).toEqual({ input: 1, output: 2 });
  });

  it('computes micro-dollars from fresh input, cache reads and writes, and output', () => {
    const lookup = findPrice('anthropic', 'claude-sonnet-4-5');
    // 1000 fresh × 3 + 200 read × 0.3 + 100 write × 3.75 + 500 out × 15
    const cost = costOf({ input: 1300, output: 500, cacheRead: 200, cacheWrite: 100 }, lookup);
    expect(cost).toEqual({ costMicros: 3000 + 60 + 375 + 7500, unpriced: false });
  });

  it('an unknown model is unpriced, never given a made-up price', () => {
    expect(costOf({ input: 10, output: 5, cacheRead: 0, cacheWrite: 0 }, undefined)).toEqual({
      costMicros: null,
      unpriced: true,
    });
  });
});
