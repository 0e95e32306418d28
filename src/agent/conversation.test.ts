import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../platform/runs/index.ts';
import { askKey, replay } from './conversation.ts';

/** A log from [type, data] pairs, numbered from 1 as the run store numbers them. */
function log(...entries: [string, Record<string, unknown>][]): RunEvent[] {
  return entries.map(([type, data], i) => ({ runId: 'r', seq: i + 1, type, data, at: '2026-12-07T00:00:00.000Z' }));
}

const call = (id: string, name = 'read') => ({ id, name, input: { path: 'a.py' } });

describe('replay', () => {
  it('tells apart calls with the same id in different model answers (servers that number calls afresh)', () => {
    const events = log(
      ['agent.phase', { phase: 'research', instruction: 'go' }],
      ['agent.model', { text: '', toolCalls: [call('call_0')] }], // seq 2
      ['tool.called', { tool: 'read', callId: 'call_0', step: 2 }],
      ['tool.result', { tool: 'read', callId: 'call_0', step: 2, ok: true, output: 'first' }],
      ['agent.model', { text: '', toolCalls: [call('call_0')] }], // seq 5: the same id again
    );
    const conv = replay(events);
    expect(conv.pending.map((c) => c.id)).toEqual(['call_0']);
    expect(conv.interrupted.size).toBe(0);
    expect(conv.steps).toBe(2);
  });

  it('reports a call that began but left no result as interrupted, and an answered question as done', () => {
    const interrupted = replay(
      log(
        ['agent.phase', { phase: 'implement', instruction: 'go' }],
        ['agent.model', { text: '', toolCalls: [call('c1', 'bash')] }],
        ['tool.called', { tool: 'bash', callId: 'c1', step: 2 }],
      ),
    );
    expect([...interrupted.interrupted]).toEqual(['c1']);

    const answered = replay(
      log(
        ['agent.phase', { phase: 'plan', instruction: 'go' }],
        ['agent.model', { text: '', toolCalls: [call('c1', 'ask_user')] }],
        ['tool.called', { tool: 'ask_user', callId: 'c1', step: 2 }],
        ['tool.result', { tool: 'ask_user', callId: 'c1', step: 2, ok: true, output: 'asked' }],
        ['input.received', { key: askKey(2, 'c1'), text: 'With a full stop.' }],
      ),
    );
    expect(answered.pending).toEqual([]);
    const last = answered.messages.at(-1) as { role: string; content: { output: { value: string } }[] };
    expect(last.role).toBe('tool');
    expect(JSON.stringify(last.content)).toContain('The user answered: With a full stop.');
  });

  it('reads logs written before events carried the step (tool events and `ask:<id>` keys)', () => {
    const conv = replay(
      log(
        ['agent.phase', { phase: 'plan', instruction: 'go' }],
        ['agent.model', { text: '', toolCalls: [call('c3', 'ask_user'), call('c4')] }],
        ['tool.called', { tool: 'ask_user', callId: 'c3' }],
        ['tool.result', { tool: 'ask_user', callId: 'c3', ok: true, output: 'asked' }],
        ['input.received', { key: 'ask:c3', text: 'Yes' }],
        ['tool.called', { tool: 'read', callId: 'c4' }],
        ['tool.result', { tool: 'read', callId: 'c4', ok: true, output: 'x' }],
      ),
    );
    expect(conv.pending).toEqual([]);
    expect(conv.interrupted.size).toBe(0);
  });
});
