import { type DslDocument, DslDocumentSchema } from './document.ts';
import { Reporter, type RuleContext } from './graph.ts';
import type { Issue } from './issues.ts';
import type { GraphAppMode } from './nodes/common.ts';
import { DEFAULT_MAX_ALIAS_COUNT, DEFAULT_MAX_BYTES, parseYaml } from './parse.ts';
import { checkContainers } from './rules/containers.ts';
import { readEdges, readNodes } from './rules/elements.ts';
import { checkCycles, checkEntry, checkReachability, checkTerminals, checkUnconnectedHandles } from './rules/flow.ts';
import { checkReferences } from './rules/references.ts';
import { checkSchema } from './schema-check.ts';
import {
  compareVersions,
  DEFAULT_TARGET_VERSION,
  OLDEST_VERSION,
  parseVersion,
  TARGET_VERSIONS,
  type TargetVersion,
} from './versions.ts';

export interface ValidateOptions {
  /** The DSL version of the Dify the file is for: 0.6.0 (default, Dify ≤ 1.15) or 0.7.0 (Dify ≥ 1.16). */
  targetVersion?: TargetVersion;
  /** Largest accepted input in bytes (default 10 MB, Dify's own limit). */
  maxBytes?: number;
  /** Largest number of alias expansions (default 100); protects against YAML bombs. */
  maxAliasCount?: number;
}

export interface ValidationResult {
  valid: boolean;
  errors: Issue[];
  warnings: Issue[];
  /** The parsed document when it has the top-level structure of a DSL file (also when graph rules failed). */
  document?: DslDocument;
}

/** Validates Dify DSL text: safe parsing, then structure, then the graph rules. */
export function validateDsl(text: string, options: ValidateOptions = {}): ValidationResult {
  const parsed = parseYaml(text, {
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    maxAliasCount: options.maxAliasCount ?? DEFAULT_MAX_ALIAS_COUNT,
  });
  if (parsed.issues.length > 0) return { valid: false, errors: parsed.issues, warnings: [] };
  const result = validateDslValue(parsed.value, options);
  for (const found of [...result.errors, ...result.warnings]) {
    const pos = parsed.locate(found.path);
    if (pos) {
      found.line = pos.line;
      found.column = pos.column;
    }
  }
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates an already-parsed DSL value (e.g. one built in memory by the generator). */
export function validateDslValue(value: unknown, options: ValidateOptions = {}): ValidationResult {
  const report = new Reporter();
  const done = (document?: DslDocument): ValidationResult => ({
    valid: report.errors.length === 0,
    errors: report.errors,
    warnings: report.warnings,
    ...(document ? { document } : {}),
  });
  if (value === null || value === undefined || value === '') {
    report.error(
      'document.empty',
      '',
      'the document is empty: a Dify DSL file starts with version, kind, app and workflow',
    );
    return done();
  }
  if (!isRecord(value)) {
    report.error(
      'document.not-a-mapping',
      '',
      `the document must be a YAML mapping (version, kind, app, workflow), found ${Array.isArray(value) ? 'a list' : typeof value}`,
    );
    return done();
  }
  const dslVersion = checkVersion(value, options.targetVersion ?? DEFAULT_TARGET_VERSION, report);
  if (value.kind !== undefined && value.kind !== 'app') {
    report.warn(
      'document.kind',
      '/kind',
      `kind should be "app" (found ${JSON.stringify(value.kind)}); Dify replaces it with "app"`,
    );
  } else if (value.kind === undefined) {
    report.warn('document.kind', '/kind', 'kind is missing; Dify assumes "app": add `kind: app`');
  }
  if (!isRecord(value.app)) {
    report.error('app.missing', '/app', 'the document has no `app` mapping (name, mode, icon, description): add one');
    return done();
  }
  const mode = value.app.mode;
  if (mode !== 'workflow' && mode !== 'advanced-chat') {
    report.error(
      'app.unsupported-mode',
      '/app/mode',
      `app.mode is ${JSON.stringify(mode)}; Orbit validates graph apps only: set it to "workflow" or "advanced-chat"`,
    );
    return done();
  }
  if (!isRecord(value.workflow)) {
    report.error(
      'workflow.missing',
      '/workflow',
      'a workflow/advanced-chat app needs a `workflow` mapping with graph {nodes, edges}',
    );
    return done();
  }
  const structure = checkSchema(DslDocumentSchema, value, 20);
  for (const p of structure) {
    report.error('document.invalid-field', p.path, `${p.path.slice(1).replaceAll('/', '.')} ${p.message}`);
  }
  const graph = isRecord(value.workflow.graph) ? value.workflow.graph : undefined;
  if (!graph || !Array.isArray(graph.nodes) || !Array.isArray(graph.edges) || dslVersion === undefined) {
    if (!graph && structure.length === 0) {
      report.error(
        'document.invalid-field',
        '/workflow/graph',
        'workflow.graph with nodes and edges lists is required',
      );
    }
    return done();
  }
  const document = value as unknown as DslDocument;
  const workflow = document.workflow;
  const names = (list: unknown): Set<string> =>
    new Set(Array.isArray(list) ? list.filter(isRecord).map((v) => String(v.name)) : []);
  checkVariableNames(workflow.environment_variables, '/workflow/environment_variables', report);
  checkVariableNames(workflow.conversation_variables, '/workflow/conversation_variables', report);
  const nodes = readNodes(graph.nodes, mode as GraphAppMode, dslVersion, report);
  const model = readEdges(graph.edges, nodes, report);
  const ctx: RuleContext = {
    mode: mode as GraphAppMode,
    dslVersion,
    graph: model,
    environmentVariables: names(workflow.environment_variables),
    conversationVariables: names(workflow.conversation_variables),
    report,
  };
  const entries = checkEntry(ctx);
  checkContainers(ctx);
  const reached = checkReachability(ctx, entries);
  checkCycles(ctx);
  checkTerminals(ctx, entries, reached);
  checkUnconnectedHandles(ctx, reached);
  checkReferences(ctx);
  return done(document);
}

/** Returns the version the rest of the checks should assume, or undefined when the file cannot be read as DSL. */
function checkVersion(doc: Record<string, unknown>, target: TargetVersion, report: Reporter): string | undefined {
  if (!TARGET_VERSIONS.includes(target)) {
    report.error('options.target-version', '', `target version ${target} is not one of ${TARGET_VERSIONS.join(', ')}`);
    return undefined;
  }
  const version = doc.version;
  if (version === undefined || version === null || version === '') {
    report.warn(
      'document.version-missing',
      '/version',
      `version is missing; Dify assumes ${OLDEST_VERSION}: add \`version: ${target}\``,
    );
    return OLDEST_VERSION;
  }
  if (typeof version !== 'string') {
    report.error(
      'document.version-type',
      '/version',
      `version must be a string such as "${target}", found the ${typeof version} ${String(version)} (Dify rejects it: quote it or write three parts)`,
    );
    return undefined;
  }
  if (!parseVersion(version)) {
    report.error(
      'document.version-invalid',
      '/version',
      `version "${version}" is not MAJOR.MINOR.PATCH, e.g. "${target}"`,
    );
    return undefined;
  }
  if (compareVersions(version, OLDEST_VERSION) < 0 || compareVersions(version, target) > 0) {
    const hint =
      compareVersions(version, target) > 0 && compareVersions(version, '0.7.0') <= 0
        ? ' (choose target version 0.7.0 for Dify ≥ 1.16)'
        : '';
    report.error(
      'document.version-unsupported',
      '/version',
      `DSL version ${version} is not supported for target ${target}: supported are ${OLDEST_VERSION} to ${target}${hint}`,
    );
    return undefined;
  }
  const [, targetMinor] = parseVersion(target) ?? [0, 0, 0];
  const [, minor] = parseVersion(version) ?? [0, 0, 0];
  if (minor < targetMinor) {
    report.warn(
      'document.version-old',
      '/version',
      `DSL ${version} is older than ${target}; Dify imports it "with warnings"`,
    );
  }
  return version;
}

function checkVariableNames(list: unknown, path: string, report: Reporter): void {
  if (!Array.isArray(list)) return;
  const seen = new Map<string, number>();
  list.forEach((v, i) => {
    if (!isRecord(v) || typeof v.name !== 'string') return;
    const first = seen.get(v.name);
    if (first !== undefined) {
      report.error(
        'variable.duplicate-name',
        `${path}/${i}/name`,
        `variable "${v.name}" is declared twice (also at ${path}/${first}); rename one`,
      );
    } else {
      seen.set(v.name, i);
    }
  });
}
