import { Type } from '@sinclair/typebox';
import { defineNode, Memory, ModelConfig, nodeData, Selector, VariableSelectorPair, Vision } from './common.ts';

const PromptMessage = Type.Object(
  {
    role: Type.Optional(Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant')])),
    text: Type.String(),
    edition_type: Type.Optional(Type.Union([Type.Literal('basic'), Type.Literal('jinja2')])),
    jinja2_text: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { additionalProperties: true },
);

export const llm = defineNode({
  type: 'llm',
  role: 'step',
  schema: nodeData('llm', {
    model: ModelConfig,
    // chat models take a message list, completion models a single prompt
    prompt_template: Type.Union([Type.Array(PromptMessage), PromptMessage]),
    context: Type.Object(
      { enabled: Type.Boolean(), variable_selector: Type.Optional(Type.Union([Selector, Type.Null()])) },
      { additionalProperties: true },
    ),
    prompt_config: Type.Optional(
      Type.Object(
        { jinja2_variables: Type.Optional(Type.Array(VariableSelectorPair)) },
        { additionalProperties: true },
      ),
    ),
    memory: Type.Optional(Memory),
    vision: Type.Optional(Vision),
    structured_output_enabled: Type.Optional(Type.Boolean()),
    structured_output: Type.Optional(Type.Union([Type.Null(), Type.Object({}, { additionalProperties: true })])),
    reasoning_format: Type.Optional(Type.Union([Type.Literal('tagged'), Type.Literal('separated')])),
  }),
  outputs: (data) => ({
    names: [
      'text',
      'reasoning_content',
      'usage',
      'finish_reason',
      'files',
      ...(data.structured_output_enabled ? ['structured_output'] : []),
    ],
  }),
});
