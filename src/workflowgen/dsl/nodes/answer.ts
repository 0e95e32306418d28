import { Type } from '@sinclair/typebox';
import { defineNode, nodeData } from './common.ts';

export const answer = defineNode({
  type: 'answer',
  role: 'terminal',
  modes: ['advanced-chat'],
  schema: nodeData('answer', { answer: Type.String(), variables: Type.Optional(Type.Array(Type.Unknown())) }),
  outputs: () => ({ names: ['answer', 'files'] }),
});
