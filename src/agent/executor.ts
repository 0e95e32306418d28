/**
 * The `agent` run kind: research → plan (waits for the user's approval) → implement → deliver, as one loop over the
 * run's event log. Each pass reads the log, does one thing (a model call, the pending tool calls, a phase change),
 * records it as an event and reads the log again; a run resumed on another worker, after a restart or after an answer
 * days later therefore continues exactly where it stopped, and a side effect already recorded is never repeated.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { BudgetExceededError, type LlmClient, LlmError, type ToolDefinition } from '../llm/index.ts';
import type { Database } from '../platform/db/client.ts';
import { OrbitError, RetryableError, ValidationError } from '../platform/errors.ts';
import {
  checkGitUrl,
  commit,
  diff,
  isGitUrl,
  log,
  push,
  redactCredentials,
  resolveAllowedPath,
  status,
} from '../platform/git/index.ts';
import { type ExecutorContext, type ExecutorDefinition, notesAfter, type RunEvent } from '../platform/runs/index.ts';
import { checkAllowHosts } from '../platform/sandbox/index.ts';
import { askKey, type Conversation, type ModelCall, type Phase, replay, todoFrom } from './conversation.ts';
import { createForge, type Forge, labelsFor, type RetryOptions, renderPullRequestBody } from './forge/index.ts';
import { agentMetrics } from './metrics.ts';
import {
  implementInstruction,
  noteInstruction,
  planInstruction,
  researchInstruction,
  revisePlanInstruction,
  systemPrompt,
  testsFailedInstruction,
} from './prompts.ts';
import { type PullRequestRecord, readForgeToken } from './store/index.ts';
import { type AgentTool, askUserTool, createAgentTools, type ToolContext } from './tools/index.ts';
import { detectTestCommand, runTests, type TestResult } from './verify.ts';
import { createWorkspace, type Workspace } from './workspace/index.ts';

const NAME = '^[A-Za-z0-9_.-]{1,100}$';

export const AgentInputSchema = Type.Object(
  {
    repository: Type.String({
      minLength: 1,
      maxLength: 2000,
      description:
        'The repository to work on: a git URL, or an absolute path on the server inside ORBIT_ALLOWED_ROOTS (a working copy or a bare repository).',
    }),
    task: Type.String({ minLength: 1, maxLength: 20_000, description: 'What to do, in plain language.' }),
    baseRef: Type.Optional(
      Type.String({ minLength: 1, maxLength: 250, description: 'Branch to start from (default: its HEAD).' }),
    ),
    testCommand: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1000,
        description: 'How to run the tests (default: found from the build files, e.g. `npm test`).',
      }),
    ),
    autoApprove: Type.Boolean({
      default: false,
      description: 'Go ahead with the plan without waiting for approval (questions are still asked).',
    }),
    maxSteps: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'Model calls at most (default ORBIT_AGENT_MAX_STEPS).' }),
    ),
    maxMinutes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 24 * 60,
        description: 'Working minutes at most, waiting not counted (default ORBIT_AGENT_MAX_MINUTES).',
      }),
    ),
    costCapMicros: Type.Optional(
      Type.Integer({ minimum: 0, description: 'LLM spend cap in micro-dollars (default ORBIT_LLM_RUN_COST_CAP_USD).' }),
    ),
    allowHosts: Type.Optional(
      // Checked in admit() by the sandbox's own parser, whose messages say what a host entry looks like.
      Type.Array(Type.String({ minLength: 1, maxLength: 260 }), {
        maxItems: 50,
        uniqueItems: true,
        description:
          "Hosts the run's commands and tests may reach (default: none, no network at all), through a filtering proxy: `pypi.org` (ports 80 and 443), `host:port`, `*.example.com` (its subdomains). Lower case.",
      }),
    ),
    pushTo: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2000,
        description: 'Where to push the branch (default: the repository itself).',
      }),
    ),
    github: Type.Optional(
      Type.Object(
        { owner: Type.String({ pattern: NAME }), repo: Type.String({ pattern: NAME }) },
        {
          additionalProperties: false,
          description: 'Open a pull request on this GitHub repository (default: from a github.com repository URL).',
        },
      ),
    ),
    credential: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Id of a stored GitHub token (POST /v1/agent/credentials); default ORBIT_GITHUB_TOKEN.',
      }),
    ),
    issue: Type.Optional(
      Type.Object(
        { number: Type.Integer({ minimum: 1 }), url: Type.String({ maxLength: 2000 }) },
        { additionalProperties: false, description: 'The issue the run works on (set by the GitHub webhook).' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type AgentInput = Static<typeof AgentInputSchema>;

export interface AgentLimits {
  maxSteps: number;
  maxMinutes: number;
  /** Times Orbit runs the tests and hands failures back before delivering anyway (default 3). */
  testRounds?: number;
  /** Longest test run (default 10 minutes). */
  testTimeoutMs?: number;
}

export interface AgentOptions {
  /** `$ORBIT_HOME`: workspaces live under it. */
  home: string;
  database: Database;
  /** Built per run, so a missing model fails that run with instructions rather than the server's start. */
  llm: () => LlmClient;
  /** Directories a local repository may be in; `any` for the CLI on the user's own machine. */
  allowedRoots: readonly string[] | 'any';
  limits: AgentLimits;
  github: { token?: string | undefined; apiUrl?: string | undefined };
  /** Decrypts stored forge tokens (`credential` in the input). */
  encryptionKey: Buffer;
  forgeRetry?: RetryOptions;
}

const READ_TOOLS = new Set(['grep', 'glob', 'read', 'bash', 'git', 'todo', 'ask_user']);
const PHASE_TOOLS: Record<Phase, Set<string> | undefined> = {
  research: READ_TOOLS,
  plan: READ_TOOLS,
  implement: new Set(['grep', 'glob', 'read', 'edit', 'write', 'bash', 'git', 'todo', 'ask_user']),
  deliver: undefined,
};

/** A github.com repository URL's owner and name. */
export function githubRepoOf(url: string): { owner: string; repo: string } | undefined {
  const m =
    /^(?:https?:\/\/(?:[^@/]+@)?github\.com\/|git@github\.com:|ssh:\/\/git@github\.com\/)([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(
      url,
    );
  return m?.[1] && m[2] ? { owner: m[1], repo: m[2] } : undefined;
}

function checkRepository(value: string, roots: readonly string[] | 'any', pointer: string): string {
  // Anything with a scheme (also git's `ext::` transport, which runs commands) is judged as a URL, not a path.
  if (isGitUrl(value) || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) {
    checkGitUrl(value, roots === 'any' ? ['/'] : roots, pointer);
    return value;
  }
  const real = resolveAllowedPath(value, roots === 'any' ? ['/'] : roots, pointer);
  const isRepo = fs.existsSync(path.join(real, '.git')) || fs.existsSync(path.join(real, 'HEAD'));
  if (!isRepo) {
    throw new ValidationError(`"${value}" is not a git repository (no .git): run \`git init\` and commit first.`, [
      { pointer, message: 'must be a git repository' },
    ]);
  }
  return real;
}

class BudgetReached extends Error {
  constructor(
    readonly limit: 'steps' | 'time' | 'cost',
    message: string,
  ) {
    super(message);
  }
}

const WORKSPACE_RECREATED =
  'Orbit had to re-create your workspace from the repository (the previous one was on another machine or was removed): changes made before this point that were not pushed are gone. Check with git status and read, and make them again where needed.';

const RETRYABLE_OUTCOMES = new Set([
  'rate_limited',
  'provider_error',
  'network_error',
  'stream_interrupted',
  'timeout',
]);

function findLast(events: readonly RunEvent[], type: string): RunEvent | undefined {
  for (let i = events.length - 1; i >= 0; i--) if (events[i]?.type === type) return events[i];
  return undefined;
}

function firstLine(text: string, max = 72): string {
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function createAgentExecutor(options: AgentOptions): ExecutorDefinition<typeof AgentInputSchema> {
  const tools = createAgentTools();
  const byName = new Map<string, AgentTool<unknown>>(tools.map((t) => [t.name, t]));
  const testRounds = options.limits.testRounds ?? 3;

  /** The run's GitHub token: its stored credential, else ORBIT_GITHUB_TOKEN. */
  async function tokenFor(input: AgentInput): Promise<string | undefined> {
    if (!input.credential) return options.github.token;
    const token = await readForgeToken(options.database, options.encryptionKey, input.credential);
    if (token === undefined) {
      throw new OrbitError(
        'credential-not-found',
        400,
        `No stored credential has the id "${input.credential}" (GET /v1/agent/credentials lists them).`,
      );
    }
    return token;
  }

  function forgeFor(input: AgentInput, remote: string, token: string | undefined): Forge {
    const gh = input.github ?? (isGitUrl(input.repository) ? githubRepoOf(input.repository) : undefined);
    return createForge(
      {
        remote,
        ...(gh && token
          ? {
              github: {
                ...gh,
                token,
                ...(options.github.apiUrl ? { baseUrl: options.github.apiUrl } : {}),
              },
            }
          : {}),
      },
      { database: options.database, ...(options.forgeRetry ? { retry: options.forgeRetry } : {}) },
    );
  }

  return {
    kind: 'agent',
    description:
      'A coding agent: researches the repository, writes a plan and waits for your approval (and answers to its questions), implements the change in a sandboxed clone, runs the tests, and pushes a branch with a pull request.',
    inputSchema: AgentInputSchema,
    maxAttempts: 3,
    timeoutMs: (options.limits.maxMinutes + 15) * 60_000,
    admit(input) {
      checkRepository(input.repository, options.allowedRoots, '/input/repository');
      if (input.allowHosts?.length) checkAllowHosts(input.allowHosts, '/input/allowHosts');
      if (input.pushTo) checkRepository(input.pushTo, options.allowedRoots, '/input/pushTo');
      if (input.github && !options.github.token && !input.credential) {
        throw new ValidationError(
          `A pull request on GitHub (${input.github.owner}/${input.github.repo}) needs a token: set ORBIT_GITHUB_TOKEN or store one (POST /v1/agent/credentials) and pass its id as "credential" (scopes in docs/agent-github.md); or leave out "github" to push the branch only.`,
          [{ pointer: '/input/github', message: 'ORBIT_GITHUB_TOKEN is not set' }],
        );
      }
    },
    async execute(ctx, input) {
      const attemptStarted = performance.now();
      const llm = options.llm();
      const maxSteps = input.maxSteps ?? options.limits.maxSteps;
      const maxMs = (input.maxMinutes ?? options.limits.maxMinutes) * 60_000;
      const repository = checkRepository(input.repository, options.allowedRoots, '/input/repository');
      const remote = input.pushTo ? checkRepository(input.pushTo, options.allowedRoots, '/input/pushTo') : repository;
      const token = await tokenFor(input);
      const forge = forgeFor(input, remote, token);
      const ws = await createWorkspace({
        home: options.home,
        runId: ctx.runId,
        source: repository,
        slug: firstLine(input.task, 40),
        ...(input.baseRef ? { baseRef: input.baseRef } : {}),
        database: options.database,
        signal: ctx.signal,
        ...(forge.kind === 'github' && token && isGitUrl(repository) ? { token } : {}),
      });
      const baseBranch = ws.baseBranch ?? input.baseRef ?? 'main';

      let events = await ctx.history();
      const started = findLast(events, 'agent.started');
      const testCommand = started
        ? ((started.data.testCommand as string | null) ?? undefined)
        : (input.testCommand ?? detectTestCommand(ws.root));
      if (started && ws.fresh) {
        // Resumed where the last attempt's clone does not exist (another machine, or it was removed): say so, since
        // the log remembers changes that are no longer on disk.
        await ctx.emit('agent.workspace_recreated', { workspace: ws.root });
      }
      if (!started) {
        await ctx.emit('agent.started', {
          branch: ws.branch,
          base: ws.base,
          baseBranch,
          workspace: ws.root,
          testCommand: testCommand ?? null,
          limits: { maxSteps, maxMinutes: maxMs / 60_000, costCapMicros: input.costCapMicros ?? null },
        });
        await ctx.emit('agent.phase', { phase: 'research', instruction: researchInstruction(input.task) });
      }
      const system = systemPrompt({ branch: ws.branch, testCommand, allowHosts: input.allowHosts });
      const toolCtx = (step: number, callId: string, todo: ToolContext['todo']): ToolContext => ({
        workspace: { root: ws.root, branch: ws.branch },
        runId: ctx.runId,
        signal: ctx.signal,
        emit: (type, data) => ctx.emit(type, data),
        todo,
        callId,
        step,
        usage: ctx.usage,
        allowHosts: input.allowHosts,
      });

      /** Work so far is committed and pushed, then the run ends with the limit it hit. */
      async function stopAtBudget(b: BudgetReached): Promise<never> {
        const kept = await keepWork(ws, input, remote, forge.kind === 'github' ? token : undefined, ctx);
        await ctx.emit('agent.stopped', { limit: b.limit, reason: b.message, ...kept });
        agentMetrics.runs.inc({ outcome: `budget_${b.limit}` });
        const where = kept.pushed
          ? `pushed to branch ${ws.branch} of ${redactCredentials(remote)}`
          : `kept on branch ${ws.branch} in ${ws.root}${kept.pushError ? ` (the push failed: ${kept.pushError})` : ''}`;
        throw new OrbitError('agent-budget-exceeded', 402, `${b.message} The work so far is ${where}.`, {
          limit: b.limit,
        });
      }

      /** One model call, recorded as `agent.model`. */
      async function callModel(conv: Conversation, phase: Phase): Promise<void> {
        if (conv.steps >= maxSteps) {
          throw new BudgetReached(
            'steps',
            `The agent stopped after ${conv.steps} model calls, its limit (maxSteps or ORBIT_AGENT_MAX_STEPS).`,
          );
        }
        const workedMs = (ctx.priorUsage.wallMs ?? 0) + (performance.now() - attemptStarted);
        if (workedMs >= maxMs) {
          throw new BudgetReached(
            'time',
            `The agent stopped after ${Math.round(workedMs / 60_000)} working minutes, its limit (maxMinutes or ORBIT_AGENT_MAX_MINUTES).`,
          );
        }
        const allowed = PHASE_TOOLS[phase] ?? new Set<string>();
        const defs: Record<string, ToolDefinition> = {};
        for (const t of tools) {
          if (allowed.has(t.name)) defs[t.name] = { description: t.description, inputSchema: t.parameters };
        }
        let result: Awaited<ReturnType<typeof llm.streamText>['result']>;
        try {
          const stream = llm.streamText(
            { system, messages: conv.messages, tools: defs, invalidToolCalls: 'return', maxOutputTokens: 8192 },
            {
              runId: ctx.runId,
              runKind: 'agent',
              signal: ctx.signal,
              ...(input.costCapMicros !== undefined ? { costCapMicros: input.costCapMicros } : {}),
            },
          );
          result = await stream.result;
        } catch (err) {
          if (err instanceof BudgetExceededError) throw new BudgetReached('cost', err.detail);
          if (err instanceof LlmError && RETRYABLE_OUTCOMES.has(err.outcome)) {
            await ctx.emit('agent.model_failed', { error: err.detail, retrying: true });
            throw new RetryableError(`The model call failed: ${err.detail}`, { cause: err });
          }
          throw err;
        }
        agentMetrics.steps.inc({ phase });
        await ctx.emit('agent.model', {
          phase,
          text: result.text,
          toolCalls: result.toolCalls.map((c) => ({
            id: c.id,
            name: c.name,
            input: c.input,
            ...(c.invalid ? { invalid: c.invalid } : {}),
          })),
          finishReason: result.finishReason,
          usage: {
            inputTokens: result.usage.inputTokens,
            outputTokens: result.usage.outputTokens,
            costMicros: result.usage.costMicros,
          },
        });
      }

      /** Runs the model's pending tool calls in order; an `ask_user` call parks the run until the answer comes. */
      async function runPending(conv: Conversation, events: readonly RunEvent[]): Promise<void> {
        const todo = todoFrom(events) as ToolContext['todo'];
        const allowed = PHASE_TOOLS[conv.phase ?? 'research'] ?? new Set<string>();
        const step = conv.last.kind === 'model' ? conv.last.step.seq : 0;
        for (const call of conv.pending) {
          const failWith = async (error: string) => {
            await ctx.emit('tool.result', { tool: call.name, callId: call.id, step, ok: false, durationMs: 0, error });
            agentMetrics.toolCalls.inc({ tool: byName.has(call.name) ? call.name : 'unknown', ok: 'false' });
          };
          if (conv.interrupted.has(call.id)) {
            await failWith(
              `${call.name} was interrupted: Orbit stopped while it ran (the worker restarted), so it may or may not have taken effect. Check (git status, read) before doing it again.`,
            );
            continue;
          }
          const tool = byName.get(call.name);
          if (!tool) {
            await failWith(`There is no tool "${call.name}". The tools in this phase are: ${[...allowed].join(', ')}.`);
            continue;
          }
          if (!allowed.has(call.name)) {
            await failWith(
              `${call.name} is not available in the ${conv.phase} phase (only ${[...allowed].join(', ')}); files change in the implement phase, after the user approves the plan.`,
            );
            continue;
          }
          if (call.name === 'ask_user') {
            await ask(step, call, events);
            continue;
          }
          const r = await tool.execute(call.input, toolCtx(step, call.id, todo));
          agentMetrics.toolCalls.inc({ tool: call.name, ok: String(r.ok) });
        }
      }

      async function ask(step: number, call: ModelCall, events: readonly RunEvent[]): Promise<void> {
        const checked = events.find(
          (e) => e.type === 'tool.result' && e.data.callId === call.id && e.data.step === step,
        );
        let question = (call.input as { question?: unknown } | null)?.question;
        let options: string[] | undefined = (call.input as { options?: string[] } | null)?.options;
        if (!checked) {
          const r = await askUserTool.execute(call.input as never, toolCtx(step, call.id, { items: [] }));
          if (!r.ok) return; // The refusal is the call's result; the model sees it.
          const data = r.data as { question: string; options?: string[] };
          question = data.question;
          options = data.options;
        } else if (checked.data.ok !== true) {
          return;
        }
        agentMetrics.questions.inc();
        await ctx.waitForInput({
          key: askKey(step, call.id),
          kind: 'question',
          prompt: String(question),
          ...(options?.length ? { options } : {}),
        });
      }

      /**
       * One unit of work in a model-driven phase: run the pending tool calls, hand over the user's notes, or call the
       * model. Returns the model's closing text when the phase's conversation is done.
       */
      async function turn(conv: Conversation, events: readonly RunEvent[]): Promise<string | undefined> {
        if (conv.pending.length > 0) {
          await runPending(conv, events);
          return undefined;
        }
        // What to tell the model before its next step: the user's notes, and a workspace that had to be re-created.
        const notes = [
          ...notesAfter(events, conv.notesConsumedUpTo).map((n) => ({ seq: n.seq, text: noteInstruction(n.text) })),
          ...events
            .filter((e) => e.type === 'agent.workspace_recreated' && e.seq > conv.notesConsumedUpTo)
            .map((e) => ({ seq: e.seq, text: WORKSPACE_RECREATED })),
        ].sort((a, b) => a.seq - b.seq);
        const last = conv.last;
        if (last.kind === 'model' && last.step.calls.length === 0 && last.step.seq > conv.phaseSeq) {
          if (notes.length === 0 && last.step.text.trim() !== '') return last.step.text;
          if (notes.length === 0) {
            await ctx.emit('agent.instruction', {
              text: 'Your answer was empty. Continue the phase and end it with its result as text.',
            });
            return undefined;
          }
        }
        if (notes.length > 0) {
          await ctx.emit('agent.instruction', {
            text: notes.map((n) => n.text).join('\n\n'),
            noteSeq: notes.at(-1)?.seq,
          });
          return undefined;
        }
        await callModel(conv, conv.phase ?? 'research');
        return undefined;
      }

      try {
        // Every pass records at least one event; passes that record none mean the loop is stuck (a bug), and would
        // otherwise spin against the database: end the run with its log kept instead.
        let idlePasses = 0;
        let seen = -1;
        for (;;) {
          ctx.signal.throwIfAborted();
          events = await ctx.history();
          idlePasses = events.length === seen ? idlePasses + 1 : 0;
          seen = events.length;
          const conv = replay(events);
          if (idlePasses >= 3) {
            throw new Error(
              `the agent loop made no progress in ${idlePasses} passes (phase ${conv.phase}, last event ${events.at(-1)?.seq}: ${events.at(-1)?.type}); this is a bug in Orbit, and the run's log is kept for the report`,
            );
          }
          const sincePhase = events.filter((e) => e.seq > conv.phaseSeq);
          if (conv.phase === 'research') {
            const summary = await turn(conv, events);
            if (summary !== undefined) {
              await ctx.emit('agent.phase', { phase: 'plan', research: summary, instruction: planInstruction() });
            }
          } else if (conv.phase === 'plan') {
            const lastPlan = findLast(sincePhase, 'agent.plan');
            const revise = lastPlan && sincePhase.some((e) => e.type === 'agent.instruction' && e.seq > lastPlan.seq);
            if (!lastPlan || revise) {
              const plan = await turn(conv, events);
              if (plan !== undefined) {
                const revision = sincePhase.filter((e) => e.type === 'agent.plan').length + 1;
                await ctx.emit('agent.plan', { plan, revision });
              }
              continue;
            }
            const plan = String(lastPlan.data.plan);
            const answer = input.autoApprove
              ? { approve: true, text: undefined }
              : await ctx.waitForInput({
                  key: `plan:${lastPlan.data.revision}`,
                  kind: 'approval',
                  prompt: plan,
                });
            if (answer.approve) {
              await ctx.emit('agent.phase', {
                phase: 'implement',
                plan,
                instruction: implementInstruction(answer.text),
              });
            } else {
              await ctx.emit('agent.instruction', { text: revisePlanInstruction(String(answer.text)) });
            }
          } else if (conv.phase === 'implement') {
            const summary = await turn(conv, events);
            if (summary === undefined) continue;
            const round = sincePhase.filter((e) => e.type === 'agent.tests').length + 1;
            let tests: TestResult | null = null;
            if (testCommand) {
              await ctx.emit('agent.testing', { command: testCommand, round });
              tests = await runTests(ws.root, testCommand, {
                timeoutMs: options.limits.testTimeoutMs ?? 10 * 60_000,
                signal: ctx.signal,
                allowHosts: input.allowHosts,
              });
              await ctx.emit('agent.tests', { ...tests, round });
              if (!tests.ok && round < testRounds) {
                await ctx.emit('agent.instruction', {
                  text: testsFailedInstruction(testCommand, tests.summary, round, testRounds),
                });
                continue;
              }
            }
            await ctx.emit('agent.phase', { phase: 'deliver', summary, tests, instruction: '' });
          } else if (conv.phase === 'deliver') {
            const plan = String(findLast(events, 'agent.plan')?.data.plan ?? '');
            const tests = (findLast(events, 'agent.tests')?.data as TestResult | undefined) ?? null;
            const output = await deliver({ ctx, input, ws, forge, remote, plan, tests, baseBranch, steps: conv.steps });
            agentMetrics.runs.inc({ outcome: output.outcome });
            return output;
          } else {
            throw new Error(`the agent's log names an unknown phase "${String(conv.phase)}"`);
          }
        }
      } catch (err) {
        if (err instanceof BudgetReached) return stopAtBudget(err);
        throw err;
      }
    },
  };
}

export interface AgentOutput {
  outcome: 'delivered' | 'no-changes';
  branch: string;
  baseBranch: string;
  commits: number;
  changes: { path: string; added: number; removed: number }[];
  tests: TestResult | null;
  pullRequest: PullRequestRecord | null;
  steps: number;
}

async function commitAll(root: string, message: string) {
  const st = await status(root);
  if (st.clean) return undefined;
  const r = await commit(root, message, { add: 'all' });
  return r.committed ? r.sha : undefined;
}

/** Commits what is uncommitted and pushes the branch (no pull request): what a run that hit a limit leaves. */
async function keepWork(
  ws: Workspace,
  input: AgentInput,
  remote: string,
  token: string | undefined,
  ctx: ExecutorContext,
): Promise<{ branch: string; commit: string | null; pushed: boolean; pushError?: string }> {
  const subject = 'Orbit: work in progress (the run hit a limit)';
  const sha = await commitAll(ws.root, `${subject}\n\nTask: ${firstLine(input.task)}\nRun: ${ctx.runId}`);
  const ahead = await log(ws.root, { ref: `${ws.base}..HEAD`, max: 1 });
  if (ahead.length === 0) return { branch: ws.branch, commit: null, pushed: false };
  try {
    await push(ws.root, {
      remote,
      branch: ws.branch,
      ...(token ? { token, tokenUser: 'x-access-token' } : {}),
      signal: ctx.signal,
    });
    return { branch: ws.branch, commit: sha ?? ahead[0]?.sha ?? null, pushed: true };
  } catch (err) {
    return { branch: ws.branch, commit: sha ?? null, pushed: false, pushError: (err as Error).message };
  }
}

async function deliver(o: {
  ctx: ExecutorContext;
  input: AgentInput;
  ws: Workspace;
  forge: Forge;
  remote: string;
  plan: string;
  tests: TestResult | null;
  baseBranch: string;
  steps: number;
}): Promise<AgentOutput> {
  const { ctx, input, ws } = o;
  const title = firstLine(input.task);
  const sha = await commitAll(
    ws.root,
    `${title}\n\n${input.task.trim()}\n\nMade by the Orbit agent in run ${ctx.runId}.`,
  );
  if (sha) await ctx.emit('agent.committed', { sha, branch: ws.branch });
  const d = await diff(ws.root, { from: ws.base });
  const commits = (await log(ws.root, { ref: `${ws.base}..HEAD`, max: 1000 })).length;
  const changes = d.files.map((f) => ({ path: f.path, added: f.added, removed: f.removed }));
  const base = { branch: ws.branch, baseBranch: o.baseBranch, commits, changes, tests: o.tests, steps: o.steps };
  if (changes.length === 0) {
    await ctx.emit('agent.delivered', { outcome: 'no-changes' });
    return { outcome: 'no-changes', ...base, pullRequest: null };
  }
  const body =
    renderPullRequestBody({
      task: input.task,
      plan: o.plan,
      changes,
      tests: o.tests
        ? { command: o.tests.command, ok: o.tests.ok, summary: o.tests.summary }
        : {
            command: '(none found)',
            ok: false,
            summary: 'No test command was found or given; the change was not tested.',
          },
    }) + (input.issue ? `\nCloses #${input.issue.number}\n` : '');
  await ctx.emit('agent.delivering', { remote: redactCredentials(o.remote), forge: o.forge.kind });
  let pr: PullRequestRecord;
  try {
    pr = await o.forge.deliver(
      {
        runId: ctx.runId,
        workspace: { root: ws.root, branch: ws.branch, base: o.baseBranch },
        title,
        body,
        labels: labelsFor(changes.map((c) => c.path)),
      },
      ctx.signal,
    );
  } catch (err) {
    const status = (err as { status?: number }).status;
    // A server error or a dropped connection is worth another attempt later (delivery is idempotent); a refusal is not.
    if (status === undefined || status >= 500) {
      throw new RetryableError(`Delivering the branch failed: ${redactCredentials((err as Error).message)}`, {
        cause: err,
      });
    }
    throw err;
  }
  await ctx.emit('agent.delivered', { outcome: 'delivered', pullRequest: pr });
  return { outcome: 'delivered', ...base, pullRequest: pr };
}
