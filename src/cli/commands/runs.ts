import { Command, Option } from 'commander';
import type { Run, RunEvent } from '../../platform/runs/index.ts';
import { RUN_STATUSES, TERMINAL_EVENT_TYPES } from '../../platform/runs/index.ts';
import { ApiClient } from '../client.ts';
import { CliError, type Output } from '../output.ts';
import { ProgressDisplay } from '../progress.ts';
import { action } from '../run.ts';
import { readSse } from '../sse.ts';

type ApiRun = Omit<Run, 'workerId'>;

function age(iso: string | null): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

function describe(run: ApiRun): string {
  const lines = [
    `run ${run.id}`,
    `  kind      ${run.kind}`,
    `  status    ${run.status}${run.error ? ` (${run.error.type}: ${run.error.message})` : ''}`,
    `  attempt   ${run.attempt} of ${run.maxAttempts}`,
    `  created   ${run.createdAt} (${age(run.createdAt)})`,
    `  started   ${run.startedAt ?? '-'}`,
    `  finished  ${run.finishedAt ?? '-'}`,
    `  input     ${JSON.stringify(run.input)}`,
  ];
  if (run.output !== null && run.output !== undefined) lines.push(`  output    ${JSON.stringify(run.output)}`);
  if (Object.keys(run.usage).length) lines.push(`  usage     ${JSON.stringify(run.usage)}`);
  return lines.join('\n');
}

export function runsCommand(): Command {
  const runs = new Command('runs')
    .description('Start, list, inspect, follow and cancel runs on an Orbit server (ORBIT_URL).')
    .addHelpText(
      'after',
      `
These commands talk to a running server (ORBIT_URL, default http://127.0.0.1:7070; ORBIT_API_KEY when it needs a key).

Examples:
  $ orbit runs start demo --input '{"steps":10}' --watch
  $ orbit runs list --kind demo --status succeeded --limit 5
  $ orbit runs show 0192f3c4-…
  $ orbit runs watch 0192f3c4-… --json     # JSON lines, one event each
  $ orbit runs cancel 0192f3c4-…`,
    );

  runs
    .command('start')
    .description('Start a run of KIND with a JSON input.')
    .argument('<kind>', 'run kind (GET /v1/run-kinds lists them)')
    .option('--input <json>', 'input as JSON', '{}')
    .option('--idempotency-key <key>', 'makes a retried start return the same run')
    .option('--watch', 'follow the run until it finishes')
    .addHelpText('after', `\nExample:\n  $ orbit runs start demo --input '{"steps":3,"delayMs":500}' --watch`)
    .action(
      action(
        async ({ out, config }, kind: string, opts: { input: string; idempotencyKey?: string; watch?: boolean }) => {
          let input: unknown;
          try {
            input = JSON.parse(opts.input);
          } catch (err) {
            throw new CliError(
              `--input is not valid JSON: ${(err as Error).message}. Example: --input '{"steps":3}'`,
              2,
            );
          }
          const client = ApiClient.fromConfig(config);
          const res = await client.fetch('/v1/runs', {
            method: 'POST',
            headers: client.headers({
              'content-type': 'application/json',
              ...(opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {}),
            }),
            body: JSON.stringify({ kind, input }),
          });
          const body = (await res.json()) as ApiRun & {
            detail?: string;
            errors?: { pointer: string; message: string }[];
          };
          if (!res.ok) {
            const fields = (body.errors ?? []).map((e) => `\n  ${e.pointer}: ${e.message}`).join('');
            throw new CliError(`${res.status} ${body.detail ?? res.statusText}${fields}`);
          }
          if (!opts.watch) {
            out.result(body, `Started run ${body.id} (${body.kind}). Follow it with: orbit runs watch ${body.id}`);
            return 0;
          }
          out.info(`Started run ${body.id} (${body.kind}).`);
          return watch(client, body.id, out);
        },
      ),
    );

  runs
    .command('list')
    .description('List runs, newest first.')
    .option('--kind <kind>', 'only this kind')
    .addOption(new Option('--status <status>', 'only this status').choices([...RUN_STATUSES]))
    .option('--limit <n>', 'how many (1–200)', '20')
    .option('--cursor <cursor>', 'continue after a previous page (its nextCursor)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ orbit runs list\n  $ orbit runs list --kind demo --status failed --limit 50 --json',
    )
    .action(
      action(async ({ out, config }, opts: { kind?: string; status?: string; limit: string; cursor?: string }) => {
        const q = new URLSearchParams({ limit: opts.limit });
        if (opts.kind) q.set('kind', opts.kind);
        if (opts.status) q.set('status', opts.status);
        if (opts.cursor) q.set('cursor', opts.cursor);
        const page = await ApiClient.fromConfig(config).request<{ runs: ApiRun[]; nextCursor: string | null }>(
          'GET',
          `/v1/runs?${q}`,
        );
        const rows = page.runs.map(
          (r) =>
            `${r.id}  ${r.kind.padEnd(10)} ${r.status.padEnd(10)} ${age(r.createdAt).padStart(8)}  attempt ${r.attempt}/${r.maxAttempts}`,
        );
        const human = rows.length
          ? [`${'ID'.padEnd(36)}  ${'KIND'.padEnd(10)} ${'STATUS'.padEnd(10)} ${'CREATED'.padStart(8)}`, ...rows].join(
              '\n',
            ) + (page.nextCursor ? `\n\nMore: orbit runs list --cursor ${page.nextCursor}` : '')
          : 'No runs yet. Start one with: orbit runs start demo --watch';
        out.result(page, human);
        return 0;
      }),
    );

  runs
    .command('show')
    .description('Show one run with its status, error, output and usage.')
    .argument('<id>', 'run id')
    .addHelpText(
      'after',
      '\nExamples:\n  $ orbit runs show 0193a1b2-…\n  $ orbit runs show 0193a1b2-… --json | jq .output',
    )
    .action(
      action(async ({ out, config }, id: string) => {
        const run = await ApiClient.fromConfig(config).request<ApiRun>('GET', `/v1/runs/${encodeURIComponent(id)}`);
        out.result(run, describe(run));
        return 0;
      }),
    );

  runs
    .command('watch')
    .description("Follow a run's events live with a progress display until it finishes; exits 0 only if it succeeded.")
    .argument('<id>', 'run id')
    .addHelpText(
      'after',
      '\nIf the connection drops it reconnects and resumes after the last event it showed.\n\nExamples:\n  $ orbit runs watch 0193a1b2-…\n  $ orbit runs watch 0193a1b2-… --json   # JSON lines, one event each',
    )
    .action(action(async ({ out, config }, id: string) => watch(ApiClient.fromConfig(config), id, out)));

  runs
    .command('cancel')
    .description('Cancel a queued, running or waiting run.')
    .argument('<id>', 'run id')
    .addHelpText('after', '\nExample:\n  $ orbit runs cancel 0193a1b2-…')
    .action(
      action(async ({ out, config }, id: string) => {
        const run = await ApiClient.fromConfig(config).request<ApiRun>(
          'POST',
          `/v1/runs/${encodeURIComponent(id)}/cancel`,
        );
        out.result(
          run,
          run.status === 'cancelled'
            ? `Run ${id} is cancelled.`
            : `Cancellation requested; run ${id} stops as soon as its executor does.`,
        );
        return 0;
      }),
    );

  return runs;
}

/** Follows the event stream, reconnecting with Last-Event-ID if the connection drops, until the run finishes. */
async function watch(client: ApiClient, id: string, out: Output): Promise<number> {
  const progress = new ProgressDisplay(!out.json && Boolean(process.stderr.isTTY));
  let lastSeq = 0;
  let final: RunEvent | undefined;
  for (let attempt = 0; !final; attempt++) {
    const res = await client.fetch(`/v1/runs/${encodeURIComponent(id)}/events`, {
      headers: client.headers({
        accept: 'text/event-stream',
        ...(lastSeq ? { 'last-event-id': String(lastSeq) } : {}),
      }),
    });
    if (!res.ok) {
      const p = (await res.json().catch(() => ({}))) as { detail?: string };
      throw new CliError(`${res.status} ${p.detail ?? res.statusText}`);
    }
    try {
      for await (const message of readSse(res)) {
        const event = JSON.parse(message.data) as RunEvent;
        lastSeq = event.seq;
        if (out.json) out.line(event, '');
        else progress.event(event);
        if (TERMINAL_EVENT_TYPES.has(event.type)) final = event;
      }
    } catch {
      // connection dropped: reconnect below and resume after lastSeq
    }
    if (!final) {
      if (attempt > 20) throw new CliError(`Lost the event stream of run ${id} and could not reconnect.`);
      await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 5000)));
    }
  }
  progress.stop();
  const status = String(final.data.status ?? final.type.replace('run.', ''));
  if (!out.json) {
    const error = final.data.error as { type: string; message: string } | undefined;
    out.info(`Run ${id} ${status}${error ? `: ${error.message}` : ''}.`);
  }
  return status === 'succeeded' ? 0 : 1;
}
