import { Type } from '@sinclair/typebox';
import { defineNode, nodeData, VariableSelectorPair } from './common.ts';

export const templateTransform = defineNode({
  type: 'template-transform',
  role: 'step',
  schema: nodeData('template-transform', { variables: Type.Array(VariableSelectorPair), template: Type.String() }),
  outputs: () => ({ names: ['output'] }),
});
