import { computeFingerprints, type ReadRepoFile } from './fingerprint.ts';
import {
  SARIF_SCHEMA_URI,
  SARIF_VERSION,
  type SarifLevel,
  type SarifLog,
  type SarifNotification,
  type SarifReportingDescriptor,
  type SarifRun,
  SRCROOT,
} from './model.ts';
import { type NormalisedFinding, normaliseFinding } from './normalise.ts';
import { repoRootUri } from './paths.ts';
import type { RawFinding, ToolRunResult, ToolStatus } from './types.ts';

export interface BuildSarifOptions {
  /** Absolute path of the analysed checkout; every location becomes relative to it. */
  repoRoot: string;
  analysisId?: string;
  startedAt?: Date | string;
  /** Reads a repo-relative file for fingerprints; absent or returning undefined falls back to message hashes. */
  readFile?: ReadRepoFile;
}

/** Repairs reported per run beyond this many are summarised in one line so a broken tool cannot bloat the log. */
export const MAX_REPAIR_NOTIFICATIONS = 200;

const SEVERITY_ORDER: Record<SarifLevel, number> = { error: 3, warning: 2, note: 1, none: 0 };

const STATUS_NOTIFICATION_LEVEL: Record<Exclude<ToolStatus, 'succeeded'>, SarifLevel> = {
  failed: 'error',
  timed_out: 'error',
  not_installed: 'warning',
  not_configured: 'warning',
  not_applicable: 'note',
};

function absoluteUri(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  try {
    return new URL(value.trim()).href;
  } catch {
    return undefined;
  }
}

function toolSlug(tool: string): string {
  return tool.toLowerCase().replace(/[^a-z0-9._-]+/g, '-') || 'tool';
}

class RuleTable {
  readonly rules: SarifReportingDescriptor[] = [];
  private readonly index = new Map<string, number>();

  indexOf(ruleId: string, finding: RawFinding, level: SarifLevel, notices: string[], what: string): number {
    let position = this.index.get(ruleId);
    if (position === undefined) {
      position = this.rules.length;
      this.index.set(ruleId, position);
      this.rules.push({ id: ruleId, defaultConfiguration: { level } });
    }
    const rule = this.rules[position]!;
    this.merge(rule, finding, level, notices, what);
    return position;
  }

  private merge(
    rule: SarifReportingDescriptor,
    finding: RawFinding,
    level: SarifLevel,
    notices: string[],
    what: string,
  ): void {
    const name = typeof finding.ruleName === 'string' ? finding.ruleName.trim() : '';
    if (name !== '' && rule.name === undefined) rule.name = name;
    rule.shortDescription ??= { text: name || rule.id };
    if (name !== '' && rule.shortDescription.text === rule.id) rule.shortDescription = { text: name };
    if (rule.helpUri === undefined && finding.helpUri !== undefined) {
      const uri = absoluteUri(finding.helpUri);
      if (uri) rule.helpUri = uri;
      else notices.push(`${what}: help URI ${JSON.stringify(finding.helpUri)} is not an absolute URI; dropped`);
    }
    const help = typeof finding.help === 'string' ? finding.help.trim() : '';
    if (help !== '' && (rule.help === undefined || rule.properties?.['orbit/helpGenerated'] === true)) {
      rule.help = { text: help, markdown: help };
      rule.fullDescription = { text: help };
      if (rule.properties) delete rule.properties['orbit/helpGenerated'];
    }
    if (rule.help === undefined) {
      const text = rule.helpUri ? `${rule.shortDescription.text}. See ${rule.helpUri}` : rule.shortDescription.text;
      rule.help = { text };
      rule.properties = { ...rule.properties, 'orbit/helpGenerated': true };
    }
    const current = rule.defaultConfiguration?.level ?? 'none';
    if (SEVERITY_ORDER[level] > SEVERITY_ORDER[current]) rule.defaultConfiguration = { level };
    const tags = Array.isArray(finding.tags) ? finding.tags.filter((t) => typeof t === 'string' && t !== '') : [];
    if (tags.length > 0) {
      const merged = new Set([...(rule.properties?.tags ?? []), ...tags]);
      rule.properties = { ...rule.properties, tags: [...merged] };
    }
    if (finding.securitySeverity !== undefined) {
      const score = finding.securitySeverity;
      if (typeof score === 'number' && Number.isFinite(score) && score >= 0 && score <= 10) {
        const previous = Number(rule.properties?.['security-severity'] ?? -1);
        // GitHub wants a string number; keep the highest score any finding of this rule carried.
        if (score > previous) rule.properties = { ...rule.properties, 'security-severity': score.toFixed(1) };
      } else {
        notices.push(`${what}: security severity ${String(score)} outside 0.0–10.0; dropped`);
      }
    }
  }

  /** Removes the bookkeeping flag before the rules leave the builder. */
  finish(): SarifReportingDescriptor[] {
    for (const rule of this.rules) {
      if (rule.properties) {
        delete rule.properties['orbit/helpGenerated'];
        if (Object.keys(rule.properties).length === 0) delete rule.properties;
      }
    }
    return this.rules;
  }
}

function notification(level: SarifLevel, id: string, text: string): SarifNotification {
  return { level, message: { text }, descriptor: { id } };
}

function buildRun(tool: ToolRunResult, options: BuildSarifOptions): SarifRun {
  const name = typeof tool.tool === 'string' && tool.tool.trim() !== '' ? tool.tool.trim() : 'unknown-tool';
  const repairs: string[] = [];
  const rules = new RuleTable();
  const findings = Array.isArray(tool.findings) ? tool.findings : [];
  const normalised: NormalisedFinding[] = [];
  findings.forEach((finding, i) => {
    const what = `${name} finding #${i + 1}`;
    if (finding === null || typeof finding !== 'object') {
      repairs.push(`${what}: not an object; dropped`);
      return;
    }
    const entry = normaliseFinding(finding, options.repoRoot, what);
    entry.result.ruleIndex = rules.indexOf(entry.result.ruleId, finding, entry.result.level, entry.notices, what);
    repairs.push(...entry.notices);
    normalised.push(entry);
  });
  const prints = computeFingerprints(
    normalised.map((entry) => ({
      ruleId: entry.result.ruleId,
      message: entry.result.message.text,
      relPath: entry.relPath,
      startLine: entry.startLine,
      startColumn: entry.startColumn,
    })),
    options.readFile,
  );
  const results = normalised.map((entry, i) => ({ ...entry.result, partialFingerprints: prints[i]! }));

  const notifications: SarifNotification[] = [];
  if (tool.status !== 'succeeded') {
    const level = STATUS_NOTIFICATION_LEVEL[tool.status] ?? 'error';
    const reason =
      typeof tool.reason === 'string' && tool.reason.trim() !== '' ? tool.reason.trim() : 'no reason given';
    notifications.push(notification(level, `orbit/status/${tool.status}`, `${name} ${tool.status}: ${reason}`));
  }
  for (const notice of Array.isArray(tool.notices) ? tool.notices : []) {
    if (typeof notice === 'string' && notice.trim() !== '') {
      notifications.push(notification('note', 'orbit/tool-notice', notice));
    }
  }
  for (const repair of repairs.slice(0, MAX_REPAIR_NOTIFICATIONS)) {
    notifications.push(notification('warning', 'orbit/normalisation', repair));
  }
  if (repairs.length > MAX_REPAIR_NOTIFICATIONS) {
    const more = repairs.length - MAX_REPAIR_NOTIFICATIONS;
    notifications.push(notification('warning', 'orbit/normalisation', `${more} more repairs not listed`));
  }

  const driver: SarifRun['tool']['driver'] = { name, rules: rules.finish() };
  if (typeof tool.version === 'string' && tool.version.trim() !== '') driver.version = tool.version.trim();
  const informationUri = absoluteUri(tool.informationUri);
  if (informationUri) driver.informationUri = informationUri;

  const durationMs = Number.isFinite(tool.durationMs) ? Math.max(0, tool.durationMs) : 0;
  return {
    tool: { driver },
    automationDetails: { id: `orbit/${toolSlug(name)}/${options.analysisId ?? ''}` },
    originalUriBaseIds: { [SRCROOT]: { uri: repoRootUri(options.repoRoot) } },
    invocations: [
      {
        // "Not applicable" ran nothing and failed nothing; every other non-success is a failure to analyse.
        executionSuccessful: tool.status === 'succeeded' || tool.status === 'not_applicable',
        exitCodeDescription: tool.status,
        ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
        properties: {
          'orbit/status': tool.status,
          ...(tool.reason ? { 'orbit/reason': tool.reason } : {}),
          'orbit/durationMs': durationMs,
          ...(Number.isFinite(tool.cpuMs) ? { 'orbit/cpuMs': tool.cpuMs } : {}),
          'orbit/repairs': repairs.length,
        },
      },
    ],
    results,
    properties: { 'orbit/status': tool.status },
  };
}

/** One SARIF 2.1.0 log for one analysis: one run per tool, in the order given. */
export function buildSarifLog(results: readonly ToolRunResult[], options: BuildSarifOptions): SarifLog {
  const startedAt =
    options.startedAt === undefined
      ? undefined
      : options.startedAt instanceof Date
        ? options.startedAt.toISOString()
        : options.startedAt;
  const properties: Record<string, unknown> = {};
  if (options.analysisId) properties['orbit/analysisId'] = options.analysisId;
  if (startedAt) properties['orbit/startedAt'] = startedAt;
  return {
    $schema: SARIF_SCHEMA_URI,
    version: SARIF_VERSION,
    runs: results.map((tool) => buildRun(tool, options)),
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
  };
}
