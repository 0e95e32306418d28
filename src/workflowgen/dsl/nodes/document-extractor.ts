import { Type } from '@sinclair/typebox';
import { defineNode, nodeData, Selector } from './common.ts';

export const documentExtractor = defineNode({
  type: 'document-extractor',
  role: 'step',
  schema: nodeData('document-extractor', { variable_selector: Selector, is_array_file: Type.Optional(Type.Boolean()) }),
  outputs: () => ({ names: ['text'] }),
});
