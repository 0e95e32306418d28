import { Type } from '@sinclair/typebox';
import { defineNode, ModelConfig, nodeData, Selector, Vision } from './common.ts';

const open = { additionalProperties: true } as const;

export const knowledgeRetrieval = defineNode({
  type: 'knowledge-retrieval',
  role: 'step',
  schema: nodeData('knowledge-retrieval', {
    query_variable_selector: Selector,
    dataset_ids: Type.Array(Type.String()),
    retrieval_mode: Type.Union([Type.Literal('single'), Type.Literal('multiple')]),
    multiple_retrieval_config: Type.Optional(
      Type.Union([
        Type.Null(),
        Type.Object(
          {
            top_k: Type.Integer({ minimum: 1 }),
            score_threshold: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
            reranking_mode: Type.Optional(Type.String()),
            reranking_enable: Type.Optional(Type.Boolean()),
          },
          open,
        ),
      ]),
    ),
    single_retrieval_config: Type.Optional(Type.Union([Type.Null(), Type.Object({ model: ModelConfig }, open)])),
    metadata_filtering_mode: Type.Optional(
      Type.Union([Type.Literal('disabled'), Type.Literal('automatic'), Type.Literal('manual')]),
    ),
    vision: Type.Optional(Vision),
  }),
  outputs: () => ({ names: ['result'] }),
});
