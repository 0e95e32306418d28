import os from 'node:os';
import { type Static, Type } from '@sinclair/typebox';
import { ValidationError } from '../platform/errors.ts';
import type { ExecutorDefinition } from '../platform/runs/index.ts';
import { renderPdf } from './pdf.ts';
import { runAnalysis } from './pipeline.ts';
import { REPORT_FILE_NAMES, type ReportFormat } from './reports/index.ts';
import { checkGitUrl, cloneRepository, resolveAllowedPath, type SourcePolicy } from './source.ts';
import { MODES, TOOLS } from './tools/index.ts';

export const ANALYSIS_FORMATS = ['json', 'sarif', 'markdown', 'html', 'pdf'] as const;
export type AnalysisFormat = (typeof ANALYSIS_FORMATS)[number];

const CONTENT_TYPES: Record<AnalysisFormat, string> = {
  json: 'application/json',
  sarif: 'application/sarif+json',
  markdown: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
};

export const analysisInputSchema = Type.Object(
  {
    path: Type.Optional(
      Type.String({ minLength: 1, maxLength: 4096, description: 'Absolute server path inside ORBIT_ALLOWED_ROOTS.' }),
    ),
    gitUrl: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2048, description: 'https://, ssh://, git:// or user@host:path URL.' }),
    ),
    ref: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        pattern: '^[^-\\s][^\\s]*$',
        description: 'Branch or tag to clone.',
      }),
    ),
    mode: Type.Union([Type.Literal('quick'), Type.Literal('standard'), Type.Literal('deep')], {
      default: 'standard',
      description: `Named tool set: ${Object.entries(MODES)
        .map(([m, t]) => `${m} (${t.length} tools)`)
        .join(', ')}.`,
    }),
    tools: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        minItems: 1,
        maxItems: 64,
        description: 'Exactly these tools (overrides mode).',
      }),
    ),
    formats: Type.Array(Type.Union(ANALYSIS_FORMATS.map((f) => Type.Literal(f))), {
      default: ['json', 'sarif', 'markdown', 'html'],
      minItems: 1,
      uniqueItems: true,
      description: 'Reports stored as artifacts (pdf needs Chromium on the worker).',
    }),
    toolTimeoutSeconds: Type.Integer({ minimum: 5, maximum: 3600, default: 300 }),
  },
  { additionalProperties: false },
);
export type AnalysisInput = Static<typeof analysisInputSchema>;

export const analysisOutputSchema = Type.Object({
  totalFindings: Type.Integer(),
  bySeverity: Type.Record(Type.String(), Type.Integer()),
  tools: Type.Array(
    Type.Object({
      tool: Type.String(),
      status: Type.String(),
      findings: Type.Integer(),
      version: Type.Optional(Type.String()),
      reason: Type.Optional(Type.String()),
    }),
  ),
  sarifValid: Type.Boolean(),
  reports: Type.Array(Type.String()),
});

/** The `analysis` run kind: a repository (server path or git URL) through the tools to stored reports. */
export function createAnalysisExecutor(
  policy: SourcePolicy,
): ExecutorDefinition<typeof analysisInputSchema, typeof analysisOutputSchema> {
  return {
    kind: 'analysis',
    description: 'Run the analysis tools over a repository and store JSON, SARIF, Markdown, HTML (and PDF) reports.',
    inputSchema: analysisInputSchema,
    outputSchema: analysisOutputSchema,
    maxAttempts: 1,
    admit(input) {
      if (Boolean(input.path) === Boolean(input.gitUrl)) {
        throw new ValidationError('Give exactly one of "path" (a server path) or "gitUrl".', [
          { pointer: '/input', message: 'exactly one of path, gitUrl is required' },
        ]);
      }
      if (input.path) resolveAllowedPath(input.path, policy.allowedRoots);
      if (input.gitUrl) checkGitUrl(input.gitUrl, policy.allowedRoots);
      const unknown = (input.tools ?? []).filter((t) => !TOOLS.some((d) => d.name === t));
      if (unknown.length > 0) {
        throw new ValidationError(
          `Unknown tool(s): ${unknown.join(', ')}. Known tools: ${TOOLS.map((t) => t.name).join(', ')}.`,
          unknown.map((t) => ({ pointer: `/input/tools/${input.tools?.indexOf(t)}`, message: `unknown tool "${t}"` })),
        );
      }
    },
    async execute(ctx, input) {
      let repoRoot: string;
      let cleanup = () => {};
      if (input.gitUrl) {
        checkGitUrl(input.gitUrl, policy.allowedRoots);
        await ctx.emit('analysis.cloning', { gitUrl: input.gitUrl, ref: input.ref ?? null });
        const clone = await cloneRepository(input.gitUrl, {
          ref: input.ref,
          maxRepoBytes: policy.maxRepoBytes,
          timeoutMs: policy.cloneTimeoutMs,
          signal: ctx.signal,
        });
        repoRoot = clone.dir;
        cleanup = clone.remove;
        await ctx.emit('analysis.cloned', { gitUrl: input.gitUrl });
      } else {
        repoRoot = resolveAllowedPath(input.path as string, policy.allowedRoots);
      }
      try {
        const names = input.tools ?? MODES[input.mode];
        let done = 0;
        const report = await runAnalysis({
          repoRoot,
          tools: names,
          analysisId: ctx.runId,
          concurrency: os.availableParallelism(),
          timeoutMs: input.toolTimeoutSeconds * 1000,
          signal: ctx.signal,
          title: `Analysis of ${input.gitUrl ?? input.path}`,
          formats: input.formats
            .filter((f): f is ReportFormat => f !== 'pdf')
            .concat(input.formats.includes('pdf') && !input.formats.includes('html') ? ['html'] : []),
          onProgress: (e) => {
            if (e.phase === 'started') void ctx.emit('analysis.tool.started', { tool: e.tool, files: e.files });
            else {
              done += 1;
              void ctx.emit('analysis.tool.finished', {
                tool: e.tool,
                status: e.status,
                findings: e.findings,
                durationMs: e.durationMs,
                ...(e.reason ? { reason: e.reason } : {}),
              });
              void ctx.progress(done, names.length, `${e.tool}: ${e.status}`);
            }
          },
        });
        const stored: string[] = [];
        for (const format of input.formats) {
          const name = format === 'pdf' ? 'report.pdf' : REPORT_FILE_NAMES[format];
          const data = format === 'pdf' ? await renderPdf(report.reports.html ?? '') : (report.reports[format] ?? '');
          await ctx.artifacts.put(name, CONTENT_TYPES[format], data);
          stored.push(name);
        }
        const cpuMs = report.outcome.results.reduce((sum, r) => sum + (r.cpuMs ?? 0), 0);
        if (cpuMs > 0) await ctx.usage.add({ cpuMs });
        if (!report.validation.valid) {
          await ctx.emit('analysis.sarif.invalid', { errors: report.validation.errors.slice(0, 20) });
        }
        return {
          totalFindings: report.summary.totalFindings,
          bySeverity: report.summary.bySeverity,
          tools: report.summary.tools.map((t) => ({
            tool: t.tool,
            status: t.status,
            findings: t.findings,
            ...(t.version ? { version: t.version } : {}),
            ...(t.reason ? { reason: t.reason } : {}),
          })),
          sarifValid: report.validation.valid,
          reports: stored,
        };
      } finally {
        cleanup();
      }
    },
  };
}
