import path from 'node:path';
import readline from 'node:readline';
import { Command } from 'commander';
import { agentExecutor } from '../../orbit.ts';
import { openDatabase } from '../../platform/db/client.ts';
import { ExecutorRegistry, openRequest, type Run, RunEngine, type RunEvent } from '../../platform/runs/index.ts';
import { ApiClient } from '../client.ts';
import { CliError, type Output } from '../output.ts';
import { action } from '../run.ts';

interface RunOptions {
  yes?: boolean;
  testCommand?: string;
  base?: string;
  pushTo?: string;
  github?: string;
  maxSteps?: string;
  maxMinutes?: string;
  allowHost?: string[];
  server?: boolean;
}

interface AgentRunView {
  id: string;
  status: string;
  phase: string | null;
  waitingFor: { kind: string; prompt: string; options?: string[] } | null;
  branch: string | null;
  plan: { text: string; revision: number; approved: boolean } | null;
  modelSteps: number;
  toolCalls: { total: number; failed: number };
  tests: { ok: boolean; command: string; round: number } | null;
  stopped: { limit: string; reason: string } | null;
  pullRequest: { url: string | null; status: string; headBranch: string; repository: string } | null;
  error: { message: string } | null;
}

/** The terminal view of `GET /v1/agent/runs/:id`. */
export function describeAgentRun(r: AgentRunView): string {
  const lines = [
    `Run ${r.id}: ${r.status}${r.phase ? `, phase ${r.phase}` : ''}${r.branch ? ` on ${r.branch}` : ''}`,
    `  ${r.modelSteps} model step(s), ${r.toolCalls.total} tool call(s) (${r.toolCalls.failed} failed)`,
  ];
  if (r.plan) lines.push(`  plan (revision ${r.plan.revision}): ${r.plan.approved ? 'approved' : 'not approved yet'}`);
  if (r.tests) lines.push(`  tests: ${r.tests.ok ? 'passed' : 'failed'} (${r.tests.command}, round ${r.tests.round})`);
  if (r.pullRequest) {
    lines.push(
      `  delivered: ${r.pullRequest.url ?? `branch ${r.pullRequest.headBranch} pushed to ${r.pullRequest.repository}`} (${r.pullRequest.status})`,
    );
  }
  if (r.stopped) lines.push(`  stopped at its ${r.stopped.limit} limit: ${r.stopped.reason}`);
  if (r.error && !r.stopped) lines.push(`  error: ${r.error.message}`);
  if (r.waitingFor) {
    const how =
      r.waitingFor.kind === 'approval'
        ? `orbit agent approve ${r.id}   (or: orbit agent answer ${r.id} "what to change")`
        : `orbit agent answer ${r.id} "…"`;
    const wanted = r.waitingFor.kind === 'approval' ? 'approval' : 'answer';
    lines.push('', `It waits for your ${wanted}:`, indent(r.waitingFor.prompt, '  '));
    if (r.waitingFor.options?.length) lines.push(`  (suggested: ${r.waitingFor.options.join(' | ')})`);
    lines.push(`Reply: ${how}`);
  }
  return lines.join('\n');
}

function positive(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag}: "${value}" is not a positive whole number`, 2);
  return n;
}

function indent(text: string, by = '    '): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');
}

function short(value: unknown, max = 90): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  const line = s.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** One agent event as a person reads it in a terminal; undefined for events not worth a line. */
export function describeAgentEvent(e: RunEvent): string | undefined {
  const d = e.data;
  switch (e.type) {
    case 'agent.started':
      return `Working in ${d.workspace} on branch ${d.branch} (tests: ${d.testCommand ?? 'none found'})`;
    case 'agent.phase':
      return `\n── ${String(d.phase)} ${'─'.repeat(40)}`;
    case 'agent.model': {
      // A plan is shown in full when it asks for approval.
      const closesPlan = d.phase === 'plan' && (d.toolCalls as unknown[] | undefined)?.length === 0;
      return String(d.text ?? '').trim() && !closesPlan ? indent(String(d.text)) : undefined;
    }
    case 'tool.called': {
      const args = (d.args ?? {}) as Record<string, unknown>;
      const main = args.command ?? args.path ?? args.pattern ?? args.subcommand ?? args.question ?? args.action ?? args;
      return `  → ${d.tool} ${short(main)}`;
    }
    case 'tool.result':
      if (d.ok !== true) return `  ✗ ${d.tool}: ${short(d.error, 160)}`;
      if (d.tool === 'bash') return `  ← ${short(String(d.output ?? '').split('\n')[0])}`;
      return undefined;
    case 'agent.testing':
      return `Running the tests: ${d.command}`;
    case 'agent.tests':
      return `Tests ${d.ok ? 'passed' : 'failed'} (${d.command}, ${Math.round(Number(d.durationMs) / 100) / 10} s)${d.ok ? '' : `\n${indent(String(d.summary))}`}`;
    case 'agent.committed':
      return `Committed ${String(d.sha).slice(0, 12)} on ${d.branch}`;
    case 'agent.delivered': {
      const pr = d.pullRequest as { url?: string | null; status?: string; headBranch?: string; repository?: string };
      if (!pr) return 'Nothing changed, so nothing was delivered.';
      return pr.url ? `Pull request (${pr.status}): ${pr.url}` : `Pushed branch ${pr.headBranch} to ${pr.repository}`;
    }
    case 'agent.stopped':
      return `Stopped: ${d.reason}`;
    case 'run.retrying':
      return `Retrying (attempt ${Number(d.attempt) + 1}): ${d.reason}`;
    case 'agent.model_failed':
      return `The model call failed: ${d.error}`;
    default:
      return undefined;
  }
}

/**
 * Lines typed on the terminal (or piped in), read through one interface for the whole session so that lines piped
 * in at once are not lost between questions. `next` resolves undefined once stdin has ended.
 */
class Terminal {
  private rl: readline.Interface | undefined;
  private readonly lines: string[] = [];
  private ended = false;
  private waiter: ((line: string | undefined) => void) | undefined;

  async ask(prompt: string): Promise<string | undefined> {
    if (!this.rl) {
      this.rl = readline.createInterface({ input: process.stdin, terminal: false });
      this.rl.on('line', (line) => {
        if (this.waiter) {
          const w = this.waiter;
          this.waiter = undefined;
          w(line);
        } else this.lines.push(line);
      });
      this.rl.on('close', () => {
        this.ended = true;
        this.waiter?.(undefined);
      });
    }
    process.stderr.write(prompt);
    const queued = this.lines.shift();
    if (queued !== undefined) return queued;
    if (this.ended) return undefined;
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  close(): void {
    this.rl?.close();
  }
}

/** What the user types to a waiting run: an answer, or for a plan: yes, no (cancel) or the change they want. */
async function answerOnTerminal(terminal: Terminal, engine: RunEngine, run: Run, out: Output): Promise<void> {
  const request = openRequest(await engine.events.list(run.id, 0, 100_000));
  if (!request) throw new CliError(`Run ${run.id} is waiting but asks nothing.`);
  if (request.kind === 'question') {
    process.stderr.write(`\n? ${request.prompt}\n`);
    if (request.options?.length) process.stderr.write(`  (suggested: ${request.options.join(' | ')})\n`);
    for (;;) {
      const a = await terminal.ask('> ');
      if (a === undefined) break;
      if (a.trim()) {
        await engine.provideInput(run.id, { text: a.trim(), by: 'local' });
        return;
      }
    }
  } else {
    process.stderr.write(`\nThe plan:\n\n${indent(request.prompt, '  ')}\n\n`);
    for (;;) {
      const a = await terminal.ask('Go ahead? [y]es, [n]o to cancel, or type what to change: ');
      if (a === undefined) break;
      const t = a.trim();
      if (/^(y|yes)$/i.test(t)) {
        await engine.provideInput(run.id, { approve: true, by: 'local' });
        return;
      }
      if (/^(n|no)$/i.test(t)) {
        await engine.cancel(run.id);
        return;
      }
      if (t) {
        await engine.provideInput(run.id, { text: t, by: 'local' });
        return;
      }
    }
  }
  out.info('No answer (stdin ended): cancelling the run. Use --yes to approve plans without asking.');
  await engine.cancel(run.id);
}

function summary(run: Run): string {
  const o = (run.output ?? {}) as {
    outcome?: string;
    branch?: string;
    commits?: number;
    changes?: { path: string }[];
    tests?: { ok: boolean; command: string } | null;
    pullRequest?: { url: string | null; status: string; repository: string; headBranch: string } | null;
  };
  if (o.outcome === 'no-changes') return 'The agent finished without changing anything.';
  const pr = o.pullRequest;
  return [
    `Done: ${o.changes?.length ?? 0} file(s) changed in ${o.commits ?? 0} commit(s) on branch ${o.branch}.`,
    `Tests: ${o.tests ? `${o.tests.ok ? 'passed' : 'FAILED'} (${o.tests.command})` : 'none found, not run'}.`,
    pr?.url
      ? `Pull request (${pr.status}): ${pr.url}`
      : `Pushed to ${pr?.repository}: \`git switch ${o.branch}\` there to try it, \`git diff main...${o.branch}\` to review.`,
  ].join('\n');
}

export function agentCommand(): Command {
  const agent = new Command('agent')
    .description(
      'The coding agent: researches a repository, asks and plans with you, implements in a sandbox, opens a pull request.',
    )
    .addHelpText(
      'after',
      `
\`orbit agent run\` works in this terminal: it asks its questions here and shows you the plan to approve. It needs a
model (ORBIT_MODEL, e.g. openai-compatible:qwen2.5-coder with OPENAI_BASE_URL). With --server the run goes to the
Orbit server (ORBIT_URL) instead, and you answer it later with \`orbit agent answer|approve\` or the API.

Examples:
  $ orbit agent run . "Add a --verbose flag to the CLI"
  $ orbit agent run ~/src/app "Fix the failing date test" --yes --max-steps 30
  $ orbit agent run . "Upgrade requests to 2.32" --allow-host pypi.org files.pythonhosted.org
  $ orbit agent run https://github.com/acme/app.git "Update the README" --server --github acme/app
  $ orbit agent answer 0192f3c4-… "Use the ISO format"
  $ orbit agent approve 0192f3c4-…
  $ orbit agent show 0192f3c4-…
  $ orbit agent pr 0192f3c4-…`,
    );

  agent
    .command('run')
    .description('Start the agent on a repository (a path or a git URL) with a task.')
    .argument('<repository>', 'a local repository (e.g. .) or a git URL')
    .argument('<task>', 'what to do, in plain language')
    .option('-y, --yes', 'approve the plan without asking (questions are still asked)')
    .option('--test-command <cmd>', 'how to run the tests (default: found from the build files)')
    .option('--base <ref>', 'branch to start from (default: the repository HEAD)')
    .option('--push-to <remote>', 'where to push the branch (default: the repository itself)')
    .option('--github <owner/repo>', 'open a pull request on this GitHub repository (needs ORBIT_GITHUB_TOKEN)')
    .option('--max-steps <n>', 'model calls at most (default ORBIT_AGENT_MAX_STEPS)')
    .option('--max-minutes <n>', 'working minutes at most (default ORBIT_AGENT_MAX_MINUTES)')
    .option(
      '--allow-host <host...>',
      "hosts the agent's commands and tests may reach, e.g. pypi.org or *.npmjs.org:443 (default: no network at all)",
    )
    .option('--server', 'start the run on the Orbit server (ORBIT_URL) instead of in this terminal')
    .action(
      action(async ({ out, config }, repository: string, task: string, opts: RunOptions) => {
        const isUrl = /^[A-Za-z][A-Za-z0-9+.-]*:|^[\w.-]+@[\w.-]+:/.test(repository);
        const github = opts.github?.split('/');
        if (opts.github !== undefined && (github?.length !== 2 || !github[0] || !github[1])) {
          throw new CliError(`--github: "${opts.github}" is not owner/repo`, 2);
        }
        const input = {
          repository: isUrl ? repository : path.resolve(repository),
          task,
          autoApprove: Boolean(opts.yes),
          ...(opts.testCommand ? { testCommand: opts.testCommand } : {}),
          ...(opts.base ? { baseRef: opts.base } : {}),
          ...(opts.pushTo ? { pushTo: isUrl ? opts.pushTo : path.resolve(opts.pushTo) } : {}),
          ...(github ? { github: { owner: github[0], repo: github[1] } } : {}),
          ...(opts.maxSteps ? { maxSteps: positive(opts.maxSteps, '--max-steps') } : {}),
          ...(opts.maxMinutes ? { maxMinutes: positive(opts.maxMinutes, '--max-minutes') } : {}),
          ...(opts.allowHost?.length ? { allowHosts: opts.allowHost.map((h) => h.toLowerCase()) } : {}),
        };
        if (opts.server) {
          const client = ApiClient.fromConfig(config);
          const run = await client.request<{ id: string; status: string }>('POST', '/v1/agent/runs', input);
          out.result(
            run,
            `Started agent run ${run.id} on ${client.baseUrl}.\nFollow it:   orbit runs watch ${run.id}\nAnswer it:   orbit agent answer ${run.id} "…"   /   orbit agent approve ${run.id}`,
          );
          return 0;
        }
        // In this terminal: an in-memory database for the run's log, workspaces under ORBIT_HOME.
        const database = await openDatabase({ dataDir: 'memory://' });
        const terminal = new Terminal();
        try {
          await database.migrate();
          const registry = new ExecutorRegistry();
          registry.register(agentExecutor(config, database, { localRepositories: 'any' }));
          const engine = new RunEngine({
            database,
            registry,
            artifactMaxBytes: config.artifactMaxBytes,
            defaultTimeoutMs: config.runTimeoutSeconds * 1000,
            heartbeatMs: config.heartbeatSeconds * 1000,
          });
          const run = await engine.runInline(
            { kind: 'agent', input, owner: 'local' },
            async (created) => {
              await engine.events.subscribe(created.id, 0, (e) => {
                if (out.json) out.line(e, '');
                else {
                  const line = describeAgentEvent(e);
                  if (line !== undefined) process.stderr.write(`${line}\n`);
                }
              });
            },
            (waiting) => answerOnTerminal(terminal, engine, waiting, out),
          );
          await engine.events.close();
          if (run.status !== 'succeeded') {
            throw new CliError(
              run.error?.message ?? `The run ended ${run.status}.`,
              1,
              run.error?.type ?? 'run-failed',
            );
          }
          out.result(run.output, summary(run));
          return 0;
        } finally {
          terminal.close();
          await database.close();
        }
      }),
    );

  agent
    .command('answer')
    .description("Answer a waiting run's question, or tell it what to change in its plan (server runs).")
    .argument('<run>', 'run id')
    .argument('<text>', 'your answer')
    .action(
      action(async ({ out, config }, id: string, text: string) => {
        const r = await ApiClient.fromConfig(config).request<{ answered: string | null }>(
          'POST',
          `/v1/runs/${encodeURIComponent(id)}/input`,
          { text },
        );
        out.result(
          r,
          r.answered
            ? `Answered (${r.answered}); the run continues.`
            : 'Sent as a note; the run reads it at its next step.',
        );
        return 0;
      }),
    );

  agent
    .command('approve')
    .description("Approve a waiting run's plan (server runs).")
    .argument('<run>', 'run id')
    .action(
      action(async ({ out, config }, id: string) => {
        const r = await ApiClient.fromConfig(config).request<{ answered: string | null }>(
          'POST',
          `/v1/runs/${encodeURIComponent(id)}/input`,
          { approve: true },
        );
        out.result(r, 'Approved; the run goes on to implement the plan.');
        return 0;
      }),
    );

  agent
    .command('show')
    .description('Where an agent run stands: phase, what it waits for, plan, tests, pull request (server runs).')
    .argument('<run>', 'run id')
    .action(
      action(async ({ out, config }, id: string) => {
        const r = await ApiClient.fromConfig(config).request<AgentRunView>(
          'GET',
          `/v1/agent/runs/${encodeURIComponent(id)}`,
        );
        out.result(r, describeAgentRun(r));
        return 0;
      }),
    );

  agent
    .command('pr')
    .description('Show the pull request (or pushed branch) an agent run delivered (server runs).')
    .argument('<run>', 'run id')
    .action(
      action(async ({ out, config }, id: string) => {
        const pr = await ApiClient.fromConfig(config).request<{
          url: string | null;
          status: string;
          headBranch: string;
          repository: string;
          draftReason: string | null;
        }>('GET', `/v1/agent/runs/${encodeURIComponent(id)}/pull-request`);
        out.result(
          pr,
          pr.url
            ? `${pr.url} (${pr.status})${pr.draftReason ? `\nDraft because: ${pr.draftReason}` : ''}`
            : `Branch ${pr.headBranch} pushed to ${pr.repository}`,
        );
        return 0;
      }),
    );
  return agent;
}
