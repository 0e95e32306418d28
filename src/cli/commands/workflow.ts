import fs from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Config } from '../../platform/config.ts';
import {
  DEFAULT_TARGET_VERSION,
  formatIssues,
  type Issue,
  KB_MODES,
  type KnowledgeEntry,
  type KnowledgeWorkflow,
  TARGET_VERSIONS,
  type TargetVersion,
  validateDsl,
} from '../../workflowgen/index.ts';
import { ApiClient } from '../client.ts';
import { CliError } from '../output.ts';
import { action } from '../run.ts';

/** One file's verdict, as `--json` prints it. */
interface FileVerdict {
  file: string;
  valid: boolean;
  errors: Issue[];
  warnings: Issue[];
}

class UnreadableFile extends Error {}

async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (err as Error).message;
    throw new UnreadableFile(`cannot read ${file}: ${why}`);
  }
}

function verdictText(v: FileVerdict): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const head = v.valid
    ? `✓ ${v.file}: valid${v.warnings.length ? ` (${count(v.warnings.length, 'warning')})` : ''}`
    : `✗ ${v.file}: ${count(v.errors.length, 'error')}${v.warnings.length ? `, ${count(v.warnings.length, 'warning')}` : ''}`;
  const lines = [head];
  if (v.errors.length) lines.push(formatIssues(v.errors, { file: v.file }));
  if (v.warnings.length) lines.push(formatIssues(v.warnings, { severity: 'warning', file: v.file }));
  return lines.join('\n');
}

function validateCommand(): Command {
  return new Command('validate')
    .description('Check Dify workflow DSL files the way Dify does and more; no server needed.')
    .argument('<files...>', 'DSL files (YAML)')
    .addOption(
      new Option('--target-version <version>', 'the DSL version of the Dify you import into')
        .choices([...TARGET_VERSIONS])
        .default(DEFAULT_TARGET_VERSION),
    )
    .addHelpText(
      'after',
      `
Exit code: 0 when every file is valid (warnings allowed), 1 when any is invalid, 2 when a file cannot be read.
Each finding names its rule (docs/workflows.md explains every one), its place and what to change.

Examples:
  $ orbit workflow validate app.yml
  $ orbit workflow validate exports/*.yml --target-version 0.7.0
  $ orbit workflow validate app.yml --json      # [{ file, valid, errors, warnings }]`,
    )
    .action(
      action(async ({ out }, files: string[], opts: { targetVersion: TargetVersion }) => {
        const verdicts: FileVerdict[] = [];
        let unreadable = false;
        for (const file of files) {
          let text: string;
          try {
            text = await readText(file);
          } catch (err) {
            if (!(err instanceof UnreadableFile)) throw err;
            unreadable = true;
            verdicts.push({
              file,
              valid: false,
              errors: [{ rule: 'file.unreadable', path: '', message: err.message }],
              warnings: [],
            });
            continue;
          }
          const { valid, errors, warnings } = validateDsl(text, { targetVersion: opts.targetVersion });
          verdicts.push({ file, valid, errors, warnings });
        }
        out.result(verdicts, verdicts.map(verdictText).join('\n\n'));
        if (unreadable) return 2;
        return verdicts.every((v) => v.valid) ? 0 : 1;
      }),
    );
}

interface ProblemBody {
  detail?: string;
  errors?: { pointer: string; message: string; rule?: string; line?: number; column?: number }[];
}

/** Sends a request and turns a problem into a CliError whose lines read like the validator's. */
async function call<T>(config: Config, method: string, path: string, body?: unknown, file?: string): Promise<T> {
  const client = ApiClient.fromConfig(config);
  const res = await client.fetch(path, {
    method,
    headers: client.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    throw new CliError(`${res.status} from ${client.baseUrl}${path} is not JSON; is ORBIT_URL an Orbit server?`);
  }
  if (!res.ok) {
    const problem = (data ?? {}) as ProblemBody;
    const issues = (problem.errors ?? []).map((e) =>
      e.rule
        ? formatIssues([{ rule: e.rule, path: e.pointer, message: e.message, line: e.line, column: e.column }], {
            file,
          })
        : `  ${e.pointer}: ${e.message}`,
    );
    throw new CliError([`${res.status} ${problem.detail ?? res.statusText}`, ...issues].join('\n'), 1, 'api-error');
  }
  return data as T;
}

type Hit = KnowledgeEntry & { score?: number };

function table(entries: Hit[], withScore: boolean): string {
  const rows = entries.map((e) => [
    e.id,
    e.mode,
    ...(withScore ? [(e.score ?? 0).toFixed(3)] : []),
    e.name,
    e.patterns.join(',') || '-',
    e.source,
  ]);
  const header = ['ID', 'MODE', ...(withScore ? ['SCORE'] : []), 'NAME', 'PATTERNS', 'SOURCE'];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)));
  return all
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const STRATEGY_NOTE: Record<string, string> = {
  fulltext: 'matching every word',
  'any-word': 'no workflow has every word; these match some',
  structure: 'no text matches; these have the node types or patterns the query names',
  all: 'the query has only common words; newest workflows',
};

function modeOption() {
  return new Option('--mode <mode>', 'only this app mode').choices([...KB_MODES]);
}

function limitOption(fallback: string) {
  return new Option('--limit <n>', 'how many (1–100)').default(fallback).argParser((raw) => {
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 100) {
      throw new InvalidArgumentError('must be a whole number from 1 to 100.');
    }
    return raw;
  });
}

function kbCommand(): Command {
  const kb = new Command('kb').description('The workflow knowledge base on an Orbit server (ORBIT_URL).').addHelpText(
    'after',
    `
These commands talk to a running server (ORBIT_URL, default http://127.0.0.1:7070; ORBIT_API_KEY when it needs a key).

Examples:
  $ orbit workflow kb list --mode advanced-chat
  $ orbit workflow kb search "translate a document and review it"
  $ orbit workflow kb add my-app.yml --description "Answers HR questions from the handbook"
  $ orbit workflow kb show 0192f3c4-… > app.yml`,
  );

  kb.command('list')
    .description('List the workflows, newest first.')
    .addOption(modeOption())
    .addOption(limitOption('100'))
    .addHelpText('after', '\nExamples:\n  $ orbit workflow kb list\n  $ orbit workflow kb list --mode workflow --json')
    .action(
      action(async ({ out, config }, opts: { mode?: string; limit: string }) => {
        const q = new URLSearchParams({ limit: opts.limit });
        if (opts.mode) q.set('mode', opts.mode);
        const res = await call<{ results: Hit[] }>(config, 'GET', `/v1/knowledge?${q}`);
        out.result(res, res.results.length ? table(res.results, false) : 'The knowledge base is empty.');
        return 0;
      }),
    );

  kb.command('search')
    .description('Full-text search over names, descriptions, node titles, prompts, node types and patterns.')
    .argument('<query>', 'words; "quoted phrase", or, -exclude work as in web search')
    .addOption(modeOption())
    .addOption(limitOption('10'))
    .addHelpText(
      'after',
      '\nExamples:\n  $ orbit workflow kb search "http api"\n  $ orbit workflow kb search \'"knowledge retrieval" -agent\' --mode advanced-chat\n  $ orbit workflow kb search loop --json',
    )
    .action(
      action(async ({ out, config }, query: string, opts: { mode?: string; limit: string }) => {
        if (query.trim() === '') {
          throw new CliError('The query is empty; give some words, or use `orbit workflow kb list`.', 2);
        }
        const q = new URLSearchParams({ q: query, limit: opts.limit });
        if (opts.mode) q.set('mode', opts.mode);
        const res = await call<{ strategy: string; results: Hit[] }>(config, 'GET', `/v1/knowledge?${q}`);
        const human = res.results.length
          ? `${table(res.results, true)}\n(${STRATEGY_NOTE[res.strategy] ?? res.strategy})`
          : `No workflow matches "${query}". \`orbit workflow kb list\` shows them all.`;
        out.result(res, human);
        return 0;
      }),
    );

  kb.command('show')
    .description("Print a workflow's DSL (YAML), to save it or start from it.")
    .argument('<id>', 'entry id (from list or search)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ orbit workflow kb show 0192f3c4-… > app.yml\n  $ orbit workflow kb show 0192f3c4-… --json',
    )
    .action(
      action(async ({ out, config }, id: string) => {
        const entry = await call<KnowledgeWorkflow>(config, 'GET', `/v1/knowledge/${encodeURIComponent(id)}`);
        out.result(entry, entry.dsl.trimEnd());
        return 0;
      }),
    );

  kb.command('add')
    .description('Validate a DSL file and add it to the knowledge base (adding the same file twice keeps one).')
    .argument('<file>', 'DSL file (YAML)')
    .option('--name <name>', "instead of the app's name")
    .option('--description <text>', "instead of the app's description")
    .option('--licence <terms>', 'under which terms others may reuse it, e.g. MIT')
    .addOption(
      new Option('--target-version <version>', 'DSL version to validate for')
        .choices([...TARGET_VERSIONS])
        .default(DEFAULT_TARGET_VERSION),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ orbit workflow kb add support-bot.yml\n  $ orbit workflow kb add triage.yml --name "Ticket triage" --licence MIT --json',
    )
    .action(
      action(
        async (
          { out, config },
          file: string,
          opts: { name?: string; description?: string; licence?: string; targetVersion: TargetVersion },
        ) => {
          let dsl: string;
          try {
            dsl = await readText(file);
          } catch (err) {
            if (err instanceof UnreadableFile) throw new CliError(err.message, 2, 'file-unreadable');
            throw err;
          }
          const body = {
            dsl,
            targetVersion: opts.targetVersion,
            ...(opts.name ? { name: opts.name } : {}),
            ...(opts.description ? { description: opts.description } : {}),
            ...(opts.licence ? { licence: opts.licence } : {}),
          };
          const entry = await call<KnowledgeWorkflow & { created: boolean; warnings: Issue[] }>(
            config,
            'POST',
            '/v1/knowledge',
            body,
            file,
          );
          const what = entry.created ? 'Added' : 'Already in the knowledge base:';
          const lines = [
            `${what} "${entry.name}" (${entry.id}), ${entry.mode}, patterns: ${entry.patterns.join(', ') || '-'}`,
          ];
          if (entry.warnings.length) lines.push(formatIssues(entry.warnings, { severity: 'warning', file }));
          const { dsl: _dsl, ...summary } = entry;
          out.result(summary, lines.join('\n'));
          return 0;
        },
      ),
    );

  kb.command('remove')
    .description('Delete a workflow you added (shipped examples stay).')
    .argument('<id>', 'entry id')
    .addHelpText('after', '\nExample:\n  $ orbit workflow kb remove 0192f3c4-…')
    .action(
      action(async ({ out, config }, id: string) => {
        await call(config, 'DELETE', `/v1/knowledge/${encodeURIComponent(id)}`);
        out.result({ removed: id }, `Removed ${id}.`);
        return 0;
      }),
    );
  return kb;
}

/** `orbit workflow`: validate DSL files locally; search and grow the knowledge base on a server. */
export function workflowCommand(): Command {
  return new Command('workflow')
    .description('Dify workflow DSL: validate files, and use the workflow knowledge base.')
    .addHelpText(
      'after',
      `
Examples:
  $ orbit workflow validate app.yml                 no server needed
  $ orbit workflow kb search "classify support tickets"
  $ orbit workflow kb add app.yml`,
    )
    .addCommand(validateCommand())
    .addCommand(kbCommand());
}
