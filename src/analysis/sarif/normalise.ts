import type { SarifFix, SarifLevel, SarifPropertyBag, SarifRegion, SarifReplacement, SarifResult } from './model.ts';
import { SRCROOT } from './model.ts';
import { relativePathToUri, toRepoRelativePath } from './paths.ts';
import type { RawFinding } from './types.ts';

const LEVELS: ReadonlySet<string> = new Set(['error', 'warning', 'note', 'none']);

/** A finding after repair: the SARIF result (without ruleIndex/fingerprints) plus what had to be fixed. */
export interface NormalisedFinding {
  result: SarifResult;
  relPath?: string;
  startLine?: number;
  startColumn?: number;
  notices: string[];
}

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

/**
 * A region SARIF and GitHub accept: every number a positive integer, the end not before the start.
 * Anything else is dropped (never clamped to 1: a made-up position would point at the wrong code).
 */
export function repairRegion(
  raw: { startLine?: number; startColumn?: number; endLine?: number; endColumn?: number },
  notices: string[],
  what: string,
): SarifRegion | undefined {
  if (raw.startLine === undefined) return undefined;
  if (!isPositiveInt(raw.startLine)) {
    notices.push(`${what}: invalid start line ${String(raw.startLine)}; region dropped`);
    return undefined;
  }
  const region: SarifRegion = { startLine: raw.startLine };
  if (raw.startColumn !== undefined) {
    if (isPositiveInt(raw.startColumn)) region.startColumn = raw.startColumn;
    else notices.push(`${what}: invalid start column ${String(raw.startColumn)}; column dropped`);
  }
  if (raw.endLine !== undefined) {
    if (isPositiveInt(raw.endLine) && raw.endLine >= raw.startLine) region.endLine = raw.endLine;
    else notices.push(`${what}: invalid end line ${String(raw.endLine)}; end dropped`);
  }
  if (raw.endColumn !== undefined && (region.endLine !== undefined || raw.endLine === undefined)) {
    const endLine = region.endLine ?? region.startLine ?? 0;
    const beforeStart =
      endLine === region.startLine &&
      region.startColumn !== undefined &&
      (raw.endColumn as number) < region.startColumn;
    if (isPositiveInt(raw.endColumn) && !beforeStart) region.endColumn = raw.endColumn;
    else notices.push(`${what}: invalid end column ${String(raw.endColumn)}; end column dropped`);
  }
  return region;
}

function repairFix(fix: RawFinding['fix'], repoRoot: string, notices: string[], what: string): SarifFix | undefined {
  if (fix === undefined) return undefined;
  const replacements = Array.isArray(fix.replacements) ? fix.replacements : [];
  const byFile = new Map<string, SarifReplacement[]>();
  for (const replacement of replacements) {
    const rel = typeof replacement?.file === 'string' ? toRepoRelativePath(replacement.file, repoRoot) : undefined;
    if (!rel?.ok) {
      notices.push(`${what}: fix replacement dropped (${rel ? rel.reason : 'no file'})`);
      continue;
    }
    const region = repairRegion(replacement, notices, `${what} fix`);
    if (region === undefined) {
      notices.push(`${what}: fix replacement without a valid region dropped`);
      continue;
    }
    const change: SarifReplacement = { deletedRegion: region };
    if (typeof replacement.text === 'string') change.insertedContent = { text: replacement.text };
    const list = byFile.get(rel.path) ?? [];
    list.push(change);
    byFile.set(rel.path, list);
  }
  if (byFile.size === 0) {
    // An empty artifactChanges/replacements array makes GitHub reject the whole upload.
    notices.push(`${what}: fix without any usable replacement dropped`);
    return undefined;
  }
  const out: SarifFix = {
    artifactChanges: [...byFile].map(([file, list]) => ({
      artifactLocation: { uri: relativePathToUri(file), uriBaseId: SRCROOT },
      replacements: list,
    })),
  };
  if (typeof fix.description === 'string' && fix.description.trim() !== '') out.description = { text: fix.description };
  return out;
}

/** Drops values JSON cannot carry (functions, bigint, cycles) so the property bag always serialises. */
function jsonSafeProperties(
  properties: Record<string, unknown> | undefined,
  notices: string[],
  what: string,
): SarifPropertyBag | undefined {
  if (properties === undefined || properties === null || typeof properties !== 'object') return undefined;
  try {
    const copy = JSON.parse(JSON.stringify(properties)) as SarifPropertyBag;
    // `tags` has a fixed meaning in SARIF (unique strings); rebuild it rather than trust a tool.
    if ('tags' in copy) {
      const tags = Array.isArray(copy.tags) ? copy.tags.filter((t): t is string => typeof t === 'string') : [];
      if (tags.length > 0) copy.tags = [...new Set(tags)];
      else delete copy.tags;
    }
    return copy;
  } catch (error) {
    notices.push(`${what}: properties dropped (${(error as Error).message})`);
    return undefined;
  }
}

/** Repairs one raw finding into a schema-valid SARIF result, recording every repair as a notice. */
export function normaliseFinding(raw: RawFinding, repoRoot: string, what: string): NormalisedFinding {
  const notices: string[] = [];
  let ruleId = typeof raw.ruleId === 'string' ? raw.ruleId.trim() : '';
  if (ruleId === '') {
    notices.push(`${what}: missing rule id; "unknown" used`);
    ruleId = 'unknown';
  }
  let level: SarifLevel = 'warning';
  if (LEVELS.has(raw.level)) level = raw.level;
  else notices.push(`${what}: unknown level ${JSON.stringify(raw.level)}; "warning" used`);
  let text = typeof raw.message === 'string' ? raw.message.trim() : '';
  if (text === '') {
    notices.push(`${what}: missing message; rule name used`);
    text = (typeof raw.ruleName === 'string' && raw.ruleName.trim()) || ruleId;
  }

  const result: SarifResult = { ruleId, level, message: { text } };
  const out: NormalisedFinding = { result, notices };
  if (raw.file !== undefined) {
    const rel = typeof raw.file === 'string' ? toRepoRelativePath(raw.file, repoRoot) : undefined;
    if (rel?.ok) {
      const region = repairRegion(raw, notices, what);
      result.locations = [
        {
          physicalLocation: {
            artifactLocation: { uri: relativePathToUri(rel.path), uriBaseId: SRCROOT },
            ...(region ? { region } : {}),
          },
        },
      ];
      out.relPath = rel.path;
      out.startLine = region?.startLine;
      out.startColumn = region?.startColumn;
    } else {
      notices.push(`${what}: location dropped (${rel ? rel.reason : 'file is not a string'})`);
    }
  }
  const fix = repairFix(raw.fix, repoRoot, notices, what);
  if (fix) result.fixes = [fix];
  const properties = jsonSafeProperties(raw.properties, notices, what);
  if (properties && Object.keys(properties).length > 0) result.properties = properties;
  return out;
}
