import type { RunEvent } from './types.ts';

/**
 * A run that needs a person: a question to answer or a plan to approve. The request and its answer are events
 * (`input.requested`, `input.received`), so a waiting run needs no worker and survives any restart.
 */
export interface InputRequest {
  /** Unique within the run; the answer is matched to the request by it. */
  key: string;
  kind: 'question' | 'approval';
  /** What the person is asked (Markdown). */
  prompt: string;
  /** Suggested answers for a question. */
  options?: string[];
}

export interface InputAnswer {
  key: string;
  /** The answer to a question, or the change asked for instead of approving. */
  text?: string;
  /** `true`: the approval was given. */
  approve?: boolean;
  /** Principal that answered. */
  by: string;
}

/** Thrown by `ctx.waitForInput` when the answer is not in the log yet: the engine parks the run as `waiting`. */
export class AwaitingInput extends Error {
  constructor(readonly request: InputRequest) {
    super(`waiting for input "${request.key}"`);
    this.name = 'AwaitingInput';
  }
}

/** The answer to `key` in the log, if any (the first one counts). */
export function answerIn(events: readonly RunEvent[], key: string): InputAnswer | undefined {
  const e = events.find((x) => x.type === 'input.received' && x.data.key === key);
  return e ? (e.data as unknown as InputAnswer) : undefined;
}

/** The request still waiting for its answer: the last `input.requested` without an `input.received` of its key. */
export function openRequest(events: readonly RunEvent[]): InputRequest | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e?.type !== 'input.requested') continue;
    const request = e.data as unknown as InputRequest;
    return answerIn(events.slice(i), request.key) ? undefined : request;
  }
  return undefined;
}

/** Messages sent to a run outside any request (`input.received` without a key), after `afterSeq`. */
export function notesAfter(events: readonly RunEvent[], afterSeq: number): { seq: number; text: string }[] {
  return events
    .filter((e) => e.type === 'input.received' && e.data.key == null && e.seq > afterSeq)
    .map((e) => ({ seq: e.seq, text: String(e.data.text ?? '') }));
}
