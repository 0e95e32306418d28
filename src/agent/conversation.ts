/**
 * The agent's conversation rebuilt from its run's event log. The log is the only state: a resumed run (a restart, a
 * new worker, an answer arriving days later) replays it and continues exactly where the last attempt stopped.
 *
 * The events it reads:
 * - `agent.phase` {phase, instruction}: a phase begins; its instruction is the next user message.
 * - `agent.instruction` {text}: a user message from Orbit (a revision request, failing tests, a note from the user).
 * - `agent.model` {text, toolCalls}: one answer of the model.
 * - `tool.result` {step, callId, ok, output | error}: a tool's result as the model was given it.
 * - `input.received` {key: "ask:<step>:<callId>", text}: the user's answer to an `ask_user` call.
 *
 * A call is named by the seq of the model answer that made it (`step`) and the model's own id: some servers number
 * calls afresh in every answer (`call_0`, `call_1`, …), so the id alone does not identify a call in a run.
 */
import type { ModelMessage } from 'ai';
import type { RunEvent } from '../platform/runs/index.ts';

export type Phase = 'research' | 'plan' | 'implement' | 'deliver';
export const PHASES: readonly Phase[] = ['research', 'plan', 'implement', 'deliver'];

export interface ModelCall {
  id: string;
  name: string;
  input: unknown;
  /** Set when the call named no known tool or its input was not valid JSON for the schema. */
  invalid?: string;
}

export interface ModelStep {
  seq: number;
  text: string;
  calls: ModelCall[];
}

export interface CallOutcome {
  ok: boolean;
  content: string;
}

export interface Conversation {
  messages: ModelMessage[];
  /** The phase now running (undefined before the first phase event). */
  phase: Phase | undefined;
  /** Seq of the event that began the current phase. */
  phaseSeq: number;
  /** The last item: what to do next depends on it. */
  last: { kind: 'none' } | { kind: 'instruction'; seq: number } | { kind: 'model'; step: ModelStep };
  /** Calls of the last model step that have no result yet, in order. */
  pending: ModelCall[];
  /** Ids of pending calls that began (`tool.called`) but never recorded a result: the worker died during them. */
  interrupted: Set<string>;
  /** Model answers so far in the whole run (the step budget counts these). */
  steps: number;
  /** Highest seq of a user note already handed to the model. */
  notesConsumedUpTo: number;
}

/** A call's name in the log: the seq of the answer that made it, and the model's id. */
export const callKey = (step: number, callId: string) => `${step}:${callId}`;
export const askKey = (step: number, callId: string) => `ask:${callKey(step, callId)}`;

function toolMessage(step: ModelStep, outcomes: Map<string, CallOutcome>): ModelMessage | undefined {
  const content = step.calls
    .filter((c) => outcomes.has(callKey(step.seq, c.id)))
    .map((c) => {
      const o = outcomes.get(callKey(step.seq, c.id)) as CallOutcome;
      return {
        type: 'tool-result' as const,
        toolCallId: c.id,
        toolName: c.name,
        output: o.ok ? { type: 'text' as const, value: o.content } : { type: 'error-text' as const, value: o.content },
      };
    });
  return content.length ? { role: 'tool', content } : undefined;
}

function assistantMessage(step: ModelStep): ModelMessage {
  return {
    role: 'assistant',
    content: [
      ...(step.text ? [{ type: 'text' as const, text: step.text }] : []),
      ...step.calls.map((c) => ({
        type: 'tool-call' as const,
        toolCallId: c.id,
        toolName: c.name,
        input: typeof c.input === 'object' && c.input !== null ? c.input : { value: c.input },
      })),
    ],
  };
}

/** Folds the event log into the conversation and the loop's position in it. */
export function replay(events: readonly RunEvent[]): Conversation {
  // Keyed by callKey(step, id). A tool event belongs to the latest model answer before it (calls run, and questions
  // are answered, before the model is asked again), which also places events logged before they carried `step`.
  const outcomes = new Map<string, CallOutcome>();
  const called = new Set<string>();
  const askCalls = new Set<string>();
  let step = 0;
  const keyOf = (data: Record<string, unknown>, id: string) =>
    callKey(typeof data.step === 'number' ? data.step : step, id);
  for (const e of events) {
    if (e.type === 'agent.model') {
      step = e.seq;
      for (const c of (e.data.toolCalls as ModelCall[]) ?? [])
        if (c.name === 'ask_user' && !c.invalid) askCalls.add(callKey(step, c.id));
    } else if (e.type === 'tool.called' && typeof e.data.callId === 'string') {
      called.add(keyOf(e.data, e.data.callId));
    } else if (e.type === 'tool.result' && typeof e.data.callId === 'string') {
      const key = keyOf(e.data, e.data.callId);
      // An ask_user call's result is the user's answer, unless its arguments were refused.
      if (askCalls.has(key) && e.data.ok === true) continue;
      outcomes.set(key, {
        ok: e.data.ok === true,
        content: String(e.data.ok === true ? (e.data.output ?? '') : (e.data.error ?? '')),
      });
    } else if (e.type === 'input.received' && typeof e.data.key === 'string' && e.data.key.startsWith('ask:')) {
      const rest = e.data.key.slice(4);
      const key = /^\d+:/.test(rest) ? rest : callKey(step, rest); // `ask:<callId>` in logs of older versions
      if (!outcomes.has(key))
        outcomes.set(key, { ok: true, content: `The user answered: ${String(e.data.text ?? '')}` });
    }
  }

  const conv: Conversation = {
    messages: [],
    phase: undefined,
    phaseSeq: 0,
    last: { kind: 'none' },
    pending: [],
    interrupted: new Set(),
    steps: 0,
    notesConsumedUpTo: 0,
  };
  let lastStep: ModelStep | undefined;
  const closeStep = () => {
    if (!lastStep) return;
    const m = toolMessage(lastStep, outcomes);
    if (m) conv.messages.push(m);
    lastStep = undefined;
  };
  for (const e of events) {
    if (e.type === 'agent.phase' || e.type === 'agent.instruction') {
      closeStep();
      if (e.type === 'agent.phase') {
        conv.phase = e.data.phase as Phase;
        conv.phaseSeq = e.seq;
      }
      const text = String(e.type === 'agent.phase' ? (e.data.instruction ?? '') : (e.data.text ?? ''));
      if (typeof e.data.noteSeq === 'number') conv.notesConsumedUpTo = Math.max(conv.notesConsumedUpTo, e.data.noteSeq);
      if (text) {
        conv.messages.push({ role: 'user', content: text });
        conv.last = { kind: 'instruction', seq: e.seq };
      }
    } else if (e.type === 'agent.model') {
      closeStep();
      const step: ModelStep = {
        seq: e.seq,
        text: String(e.data.text ?? ''),
        calls: (e.data.toolCalls as ModelCall[]) ?? [],
      };
      conv.messages.push(assistantMessage(step));
      conv.steps += 1;
      conv.last = { kind: 'model', step };
      lastStep = step;
    }
  }
  if (conv.last.kind === 'model') {
    const seq = conv.last.step.seq;
    conv.pending = conv.last.step.calls.filter((c) => !outcomes.has(callKey(seq, c.id)));
    for (const c of conv.pending) {
      const key = callKey(seq, c.id);
      if (called.has(key) && !askCalls.has(key)) conv.interrupted.add(c.id);
    }
  }
  closeStep();
  return conv;
}

/** The last to-do list a `todo` call left (the tool keeps it in memory; the log keeps it across attempts). */
export function todoFrom(events: readonly RunEvent[]): { items: { id: number; text: string; status: string }[] } {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e?.type === 'tool.result' && e.data.tool === 'todo' && e.data.ok === true) {
      const todo = (e.data.data as { todo?: unknown } | undefined)?.todo;
      if (Array.isArray(todo)) return { items: structuredClone(todo) };
    }
  }
  return { items: [] };
}
