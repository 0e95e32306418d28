import { Type } from '@sinclair/typebox';
import { defineNode, nodeData, Selector } from './common.ts';

export const iteration = defineNode({
  type: 'iteration',
  role: 'container',
  schema: nodeData('iteration', {
    start_node_id: Type.String({ minLength: 1 }),
    iterator_selector: Selector,
    output_selector: Selector,
    is_parallel: Type.Optional(Type.Boolean()),
    parallel_nums: Type.Optional(Type.Integer({ minimum: 1 })),
    error_handle_mode: Type.Optional(
      Type.Union([
        Type.Literal('terminated'),
        Type.Literal('continue-on-error'),
        Type.Literal('remove-abnormal-output'),
      ]),
    ),
    flatten_output: Type.Optional(Type.Boolean()),
  }),
  // `item` and `index` are set for the children while the iteration runs
  outputs: () => ({ names: ['output', 'item', 'index'] }),
});

export const iterationStart = defineNode({
  type: 'iteration-start',
  role: 'container-start',
  container: 'iteration',
  schema: nodeData('iteration-start', {}),
  outputs: () => ({ names: [] }),
});
