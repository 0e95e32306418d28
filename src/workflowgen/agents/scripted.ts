import type { AppMode } from './normalize.ts';
import type { Design, Draft, Understanding } from './schemas.ts';

/**
 * Ready-made answers of the three agents for the local model server: the tests script conversations with them and
 * the benchmark uses them to prove its harness when no model is configured. They are deliberately plain (one LLM
 * step between input and output): what they score in the benchmark is the floor, not a model's result.
 */
const MODEL = { provider: 'openai', name: 'gpt-4o-mini', mode: 'chat', completion_params: { temperature: 0.7 } };

export function scriptedUnderstanding(summary = 'Answer the user with one LLM step.'): Understanding {
  return {
    summary,
    inputs: [{ name: 'text', type: 'paragraph', required: true }],
    outputs: [{ name: 'result', description: 'the answer' }],
    steps: ['Read the input', 'Write the answer with an LLM'],
    openQuestions: [],
  };
}

export function scriptedDesign(mode: AppMode, name = 'Scripted app'): Design {
  const terminal = mode === 'workflow' ? 'end' : 'answer';
  return {
    name,
    description: 'One LLM step between the input and the result.',
    nodes: [
      { id: 'start', type: 'start', title: 'Start', purpose: 'Takes the text' },
      { id: 'writer', type: 'llm', title: 'Write', purpose: 'Writes the answer' },
      { id: terminal, type: terminal, title: 'Result', purpose: 'Returns the answer' },
    ],
    edges: [
      { source: 'start', target: 'writer' },
      { source: 'writer', target: terminal },
    ],
    variables: [
      { name: 'text', kind: 'input' },
      { name: 'result', kind: 'output' },
    ],
  };
}

export function llmData(title: string, userText: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'llm',
    title,
    model: MODEL,
    prompt_template: [
      { role: 'system', text: 'You are a helpful assistant.' },
      { role: 'user', text: userText },
    ],
    context: { enabled: false, variable_selector: [] },
    vision: { enabled: false },
    ...extra,
  };
}

/** start → writer (llm) → end/answer; `output` names the variable the terminal reads from the writer. */
export function linearDraft(mode: AppMode, options: { name?: string; output?: string } = {}): Draft {
  const output = options.output ?? 'text';
  const terminal =
    mode === 'workflow'
      ? {
          id: 'end',
          data: { type: 'end', title: 'End', outputs: [{ variable: 'result', value_selector: ['writer', output] }] },
        }
      : { id: 'answer', data: { type: 'answer', title: 'Answer', answer: `{{#writer.${output}#}}` } };
  const input = mode === 'workflow' ? '{{#start.text#}}' : '{{#sys.query#}}';
  return {
    app: { name: options.name ?? 'Scripted app', description: 'One LLM step between the input and the result.' },
    workflow: {
      graph: {
        nodes: [
          {
            id: 'start',
            data: {
              type: 'start',
              title: 'Start',
              variables:
                mode === 'workflow' ? [{ variable: 'text', label: 'Text', type: 'paragraph', required: true }] : [],
            },
          },
          { id: 'writer', data: llmData('Write', input) },
          terminal,
        ],
        edges: [
          { source: 'start', target: 'writer' },
          { source: 'writer', target: terminal.id },
        ],
      },
    },
  };
}

/** A workflow with a branch: start → if-else (urgent?) → two LLMs → variable-aggregator → end. */
export function branchingDraft(): Draft {
  return {
    app: { name: 'Ticket triage', description: 'Answers urgent and normal tickets differently.' },
    workflow: {
      graph: {
        nodes: [
          {
            id: 'start',
            data: {
              type: 'start',
              title: 'Start',
              variables: [{ variable: 'ticket', label: 'Ticket', type: 'paragraph', required: true }],
            },
          },
          {
            id: 'urgent',
            data: {
              type: 'if-else',
              title: 'Urgent?',
              cases: [
                {
                  case_id: 'urgent',
                  logical_operator: 'and',
                  conditions: [
                    { variable_selector: ['start', 'ticket'], comparison_operator: 'contains', value: 'urgent' },
                  ],
                },
              ],
            },
          },
          { id: 'escalate', data: llmData('Escalate', 'Write an urgent reply to: {{#start.ticket#}}') },
          { id: 'reply', data: llmData('Reply', 'Write a friendly reply to: {{#start.ticket#}}') },
          {
            id: 'join',
            data: {
              type: 'variable-aggregator',
              title: 'Join',
              output_type: 'string',
              variables: [
                ['escalate', 'text'],
                ['reply', 'text'],
              ],
            },
          },
          {
            id: 'end',
            data: { type: 'end', title: 'End', outputs: [{ variable: 'reply', value_selector: ['join', 'output'] }] },
          },
        ],
        edges: [
          { source: 'start', target: 'urgent' },
          { source: 'urgent', sourceHandle: 'urgent', target: 'escalate' },
          { source: 'urgent', sourceHandle: 'false', target: 'reply' },
          { source: 'escalate', target: 'join' },
          { source: 'reply', target: 'join' },
          { source: 'join', target: 'end' },
        ],
      },
    },
  };
}
