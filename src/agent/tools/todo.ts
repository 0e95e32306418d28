import { type Static, Type } from '@sinclair/typebox';
import { defineTool, type TodoItem, type TodoState, ToolError } from './define.ts';

const Status = Type.Union([
  Type.Literal('pending'),
  Type.Literal('in_progress'),
  Type.Literal('done'),
  Type.Literal('cancelled'),
]);

const Parameters = Type.Object(
  {
    action: Type.Union([Type.Literal('list'), Type.Literal('add'), Type.Literal('update')], {
      description: 'list, add (text, optional status) or update (id with status and/or text).',
    }),
    text: Type.Optional(Type.String({ minLength: 1 })),
    id: Type.Optional(Type.Integer({ minimum: 1 })),
    status: Type.Optional(Status),
  },
  { additionalProperties: false },
);

const MARK: Record<TodoItem['status'], string> = { pending: '[ ]', in_progress: '[~]', done: '[x]', cancelled: '[-]' };

export function renderTodo(state: TodoState): string {
  if (state.items.length === 0) return 'The to-do list is empty.';
  return state.items.map((i) => `${MARK[i.status]} ${i.id}. ${i.text}`).join('\n');
}

/** The agent's own to-do list, kept in ToolContext.todo; every change is in the tool.result event's data. */
export const todoTool = defineTool<Static<typeof Parameters>>({
  name: 'todo',
  description:
    'Keeps your to-do list for this run: list it, add an item, or update an item by id (status pending, in_progress, done, cancelled; or new text).',
  parameters: Parameters,
  async execute(args, ctx) {
    const state = ctx.todo;
    if (args.action === 'add') {
      if (args.text === undefined) throw new ToolError('add needs text: { action: "add", text: "…" }.');
      const id = state.items.reduce((m, i) => Math.max(m, i.id), 0) + 1;
      state.items.push({ id, text: args.text, status: args.status ?? 'pending' });
    } else if (args.action === 'update') {
      if (args.id === undefined)
        throw new ToolError('update needs the id of an item: { action: "update", id: 1, status: "done" }.');
      const item = state.items.find((i) => i.id === args.id);
      if (!item) {
        throw new ToolError(
          `There is no item ${args.id}; the ids are ${state.items.map((i) => i.id).join(', ') || 'none yet'}.`,
        );
      }
      if (args.status === undefined && args.text === undefined) throw new ToolError('update needs a status or a text.');
      if (args.status !== undefined) item.status = args.status;
      if (args.text !== undefined) item.text = args.text;
    }
    return { ok: true, output: renderTodo(state), data: { todo: state.items.map((i) => ({ ...i })) } };
  },
});
