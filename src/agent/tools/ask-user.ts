import { type Static, Type } from '@sinclair/typebox';
import { defineTool } from './define.ts';

const Parameters = Type.Object(
  {
    question: Type.String({ minLength: 1, description: 'One clear question for the user.' }),
    options: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { maxItems: 10, description: 'Suggested answers.' }),
    ),
  },
  { additionalProperties: false },
);

/**
 * Asks the user a question. The tool only hands the question back (`data.question`); the loop puts the run in
 * `waiting` and gives the answer to the model as this call's result when it arrives.
 */
export const askUserTool = defineTool<Static<typeof Parameters>>({
  name: 'ask_user',
  description:
    "Asks the user a question and waits for the answer (minutes or days). Use it when the task is ambiguous or a decision is the user's to make; not for things you can find out by reading the repository.",
  parameters: Parameters,
  async execute(args) {
    return {
      ok: true,
      output: '',
      data: { question: args.question, ...(args.options && args.options.length > 0 ? { options: args.options } : {}) },
    };
  },
});
