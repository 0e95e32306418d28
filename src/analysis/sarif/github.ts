import { gzipSync } from 'node:zlib';
import type { SarifLog, SarifReportingDescriptor, SarifResult, SarifRun } from './model.ts';

/** GitHub code scanning's documented upload limits. */
export interface GithubUploadLimits {
  runsPerFile: number;
  resultsPerRun: number;
  rulesPerRun: number;
  tagsPerRule: number;
  locationsPerResult: number;
  /** Size of one uploaded file after gzip. */
  maxGzipBytes: number;
}

export const GITHUB_UPLOAD_LIMITS: GithubUploadLimits = {
  runsPerFile: 20,
  resultsPerRun: 25_000,
  rulesPerRun: 25_000,
  tagsPerRule: 20,
  locationsPerResult: 1_000,
  maxGzipBytes: 10 * 1024 * 1024,
};

export interface GithubExport {
  /** Upload each as its own file; together they hold every result that GitHub can accept. */
  logs: SarifLog[];
  /** What was split, trimmed or dropped, for the report. */
  notes: string[];
}

function gzipBytes(value: unknown): number {
  return gzipSync(JSON.stringify(value)).length;
}

function hasLocation(result: SarifResult): boolean {
  return result.locations?.some((l) => l.physicalLocation?.artifactLocation?.uri) ?? false;
}

/** A run holding only `results`, with only the rules they use and ruleIndex renumbered to match. */
function subRun(run: SarifRun, results: SarifResult[], limits: GithubUploadLimits): SarifRun {
  const allRules = run.tool.driver.rules ?? [];
  const rules: SarifReportingDescriptor[] = [];
  const renumber = new Map<string, number>();
  const trimmed = results.map((result) => {
    let index = renumber.get(result.ruleId);
    if (index === undefined) {
      const rule = allRules.find((r) => r.id === result.ruleId) ?? { id: result.ruleId };
      const tags = rule.properties?.tags;
      const capped =
        tags && tags.length > limits.tagsPerRule
          ? { ...rule, properties: { ...rule.properties, tags: tags.slice(0, limits.tagsPerRule) } }
          : rule;
      index = rules.length;
      rules.push(capped);
      renumber.set(result.ruleId, index);
    }
    const locations = result.locations?.slice(0, limits.locationsPerResult);
    return { ...result, ruleIndex: index, ...(locations ? { locations } : {}) };
  });
  return { ...run, tool: { ...run.tool, driver: { ...run.tool.driver, rules } }, results: trimmed };
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out.length > 0 ? out : [[]];
}

/** Splits a run's results until each part is within the result and size limits. */
function partsOf(run: SarifRun, limits: GithubUploadLimits, notes: string[]): SarifRun[] {
  const name = run.tool.driver.name;
  const pending = chunk(run.results, Math.min(limits.resultsPerRun, limits.rulesPerRun)).map((r) =>
    subRun(run, r, limits),
  );
  const done: SarifRun[] = [];
  while (pending.length > 0) {
    const part = pending.shift()!;
    // Leave room for the log envelope around the run.
    if (gzipBytes(part) <= limits.maxGzipBytes - 1024) {
      done.push(part);
    } else if (part.results.length > 1) {
      const half = Math.ceil(part.results.length / 2);
      pending.unshift(subRun(run, part.results.slice(0, half), limits), subRun(run, part.results.slice(half), limits));
    } else {
      notes.push(`${name}: one result alone exceeds the ${limits.maxGzipBytes}-byte upload limit; dropped`);
    }
  }
  if (done.length > 1) {
    notes.push(`${name}: ${run.results.length} results split into ${done.length} runs (categories …/part-N/)`);
    // Each part needs its own category: GitHub refuses or overwrites runs sharing tool + category.
    const id = run.automationDetails?.id ?? `orbit/${name}/`;
    const cut = id.lastIndexOf('/');
    const category = id.slice(0, cut + 1);
    const runId = id.slice(cut + 1);
    return done.map((part, i) => ({ ...part, automationDetails: { id: `${category}part-${i + 1}/${runId}` } }));
  }
  return done;
}

/**
 * Fits a log to GitHub code scanning's upload limits: results without a location (which GitHub rejects)
 * are dropped, oversized runs are split into parts with their own category, and runs are packed into as
 * many files as the runs-per-file and gzip-size limits need. Deterministic: same log in, same files out.
 */
export function splitForGithub(log: SarifLog, limits: GithubUploadLimits = GITHUB_UPLOAD_LIMITS): GithubExport {
  const notes: string[] = [];
  const runs: SarifRun[] = [];
  for (const run of log.runs) {
    const located = run.results.filter(hasLocation);
    if (located.length < run.results.length) {
      notes.push(
        `${run.tool.driver.name}: ${run.results.length - located.length} results without a file location left out`,
      );
    }
    const tooMany = run.results.some((r) => (r.locations?.length ?? 0) > limits.locationsPerResult);
    if (tooMany) notes.push(`${run.tool.driver.name}: locations trimmed to ${limits.locationsPerResult} per result`);
    runs.push(...partsOf({ ...run, results: located }, limits, notes));
  }

  const envelope = (fileRuns: SarifRun[]): SarifLog => ({ ...log, runs: fileRuns });
  const files: SarifRun[][] = [];
  let current: SarifRun[] = [];
  let currentBytes = gzipBytes(envelope([]));
  for (const run of runs) {
    const bytes = gzipBytes(run);
    const full = current.length >= limits.runsPerFile || currentBytes + bytes > limits.maxGzipBytes;
    if (full && current.length > 0) {
      files.push(current);
      current = [];
      currentBytes = gzipBytes(envelope([]));
    }
    current.push(run);
    currentBytes += bytes;
  }
  if (current.length > 0 || files.length === 0) files.push(current);
  if (files.length > 1) notes.push(`${runs.length} runs packed into ${files.length} files`);
  return { logs: files.map(envelope), notes };
}

/** The gzip size GitHub measures a file by; exported so callers and tests can check the limit. */
export function githubUploadBytes(log: SarifLog): number {
  return gzipBytes(log);
}
