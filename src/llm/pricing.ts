import type { ProviderName } from './settings.ts';

/**
 * Prices in USD per million tokens. Conveniently, USD per million tokens is exactly micro-dollars per token, so a
 * cost in micro-dollars is `tokens × price`. Every row names its source and the date its figures were read there;
 * a model not in the table (nor in ORBIT_LLM_PRICES) is recorded with its tokens and `unpriced: true`.
 */
export interface ModelPrice {
  input: number;
  output: number;
  /** Cached input read (Anthropic "cache hits", OpenAI "cached input"). Default: the input price. */
  cacheRead?: number;
  /** Cache write (Anthropic 5-minute cache writes). Default: the input price. */
  cacheWrite?: number;
}

export interface PriceRow extends ModelPrice {
  provider: Exclude<ProviderName, 'openai-compatible'>;
  model: string;
  source: string;
  asOf: string;
}

const ANTHROPIC = 'https://docs.anthropic.com/en/docs/about-claude/pricing';
const OPENAI = 'https://platform.openai.com/docs/pricing';
const AS_OF = '2026-03-21';

const anthropic = (model: string, input: number, output: number): PriceRow => ({
  provider: 'anthropic',
  model,
  input,
  output,
  // Anthropic's published rule: 5-minute cache writes cost 1.25× input, cache hits 0.1× input.
  cacheWrite: round6(input * 1.25),
  cacheRead: round6(input * 0.1),
  source: ANTHROPIC,
  asOf: AS_OF,
});

const openai = (model: string, input: number, output: number, cacheRead: number): PriceRow => ({
  provider: 'openai',
  model,
  input,
  output,
  cacheRead,
  source: OPENAI,
  asOf: AS_OF,
});

export const PRICE_TABLE: readonly PriceRow[] = [
  anthropic('claude-opus-4-6', 5, 25),
  anthropic('claude-opus-4-5', 5, 25),
  anthropic('claude-opus-4-1', 15, 75),
  anthropic('claude-opus-4-0', 15, 75),
  anthropic('claude-opus-4', 15, 75),
  anthropic('claude-sonnet-4-6', 3, 15),
  anthropic('claude-sonnet-4-5', 3, 15),
  anthropic('claude-sonnet-4-0', 3, 15),
  anthropic('claude-sonnet-4', 3, 15),
  anthropic('claude-3-7-sonnet', 3, 15),
  anthropic('claude-haiku-4-5', 1, 5),
  anthropic('claude-3-5-haiku', 0.8, 4),
  anthropic('claude-3-haiku', 0.25, 1.25),
  openai('gpt-5', 1.25, 10, 0.125),
  openai('gpt-5-mini', 0.25, 2, 0.025),
  openai('gpt-5-nano', 0.05, 0.4, 0.005),
  openai('gpt-4.1', 2, 8, 0.5),
  openai('gpt-4.1-mini', 0.4, 1.6, 0.1),
  openai('gpt-4.1-nano', 0.1, 0.4, 0.025),
  openai('gpt-4o', 2.5, 10, 1.25),
  openai('gpt-4o-mini', 0.15, 0.6, 0.075),
  openai('o3', 2, 8, 0.5),
  openai('o4-mini', 1.1, 4.4, 0.275),
];

export type PriceOverrides = Record<string, ModelPrice>;

export interface PriceLookup {
  price: ModelPrice;
  /** `table` (with the row's source) or `override` (ORBIT_LLM_PRICES). */
  origin: 'table' | 'override';
  source?: string;
}

/**
 * The price of `provider:model`: an override first, then the table. Dated snapshots (`claude-sonnet-4-5-20250929`,
 * `gpt-4o-2024-08-06`) and `-latest` aliases match their family row; nothing else is guessed. OpenAI-compatible
 * servers are priced only by override: a local "gpt-4o" is not OpenAI's.
 */
export function findPrice(
  provider: ProviderName,
  model: string,
  overrides: PriceOverrides = {},
): PriceLookup | undefined {
  const override = overrides[`${provider}:${model}`];
  if (override) return { price: override, origin: 'override' };
  if (provider === 'openai-compatible') return undefined;
  const row = PRICE_TABLE.find((r) => r.provider === provider && (r.model === model || isSnapshotOf(model, r.model)));
  return row ? { price: row, origin: 'table', source: row.source } : undefined;
}

function isSnapshotOf(model: string, family: string): boolean {
  if (!model.startsWith(family)) return false;
  return /^-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$/.test(model.slice(family.length));
}

/** Token counts of one call. `input` includes cache reads and writes. */
export interface TokenCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface CallCost {
  costMicros: number | null;
  unpriced: boolean;
}

export function costOf(tokens: TokenCounts, lookup: PriceLookup | undefined): CallCost {
  if (!lookup) return { costMicros: null, unpriced: true };
  const p = lookup.price;
  const fresh = Math.max(0, tokens.input - tokens.cacheRead - tokens.cacheWrite);
  const micros =
    fresh * p.input +
    tokens.cacheRead * (p.cacheRead ?? p.input) +
    tokens.cacheWrite * (p.cacheWrite ?? p.input) +
    tokens.output * p.output;
  return { costMicros: Math.round(micros), unpriced: false };
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
