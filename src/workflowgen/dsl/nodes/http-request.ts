import { Type } from '@sinclair/typebox';
import { defineNode, nodeData } from './common.ts';

const open = { additionalProperties: true } as const;
const methods = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

export const httpRequest = defineNode({
  type: 'http-request',
  role: 'step',
  schema: nodeData('http-request', {
    method: Type.Union(methods.flatMap((m) => [Type.Literal(m), Type.Literal(m.toUpperCase())])),
    url: Type.String(),
    authorization: Type.Object(
      {
        type: Type.Union([Type.Literal('no-auth'), Type.Literal('api-key')]),
        config: Type.Optional(
          Type.Union([
            Type.Null(),
            Type.Object(
              {
                type: Type.Optional(
                  Type.Union([Type.Literal('basic'), Type.Literal('bearer'), Type.Literal('custom')]),
                ),
                api_key: Type.Optional(Type.String()),
                header: Type.Optional(Type.Union([Type.String(), Type.Null()])),
              },
              open,
            ),
          ]),
        ),
      },
      open,
    ),
    headers: Type.String(),
    params: Type.String(),
    body: Type.Optional(
      Type.Union([
        Type.Null(),
        Type.Object(
          {
            type: Type.Union(
              ['none', 'form-data', 'x-www-form-urlencoded', 'raw-text', 'json', 'binary'].map((t) => Type.Literal(t)),
            ),
            data: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Object({}, open))])),
          },
          open,
        ),
      ]),
    ),
    timeout: Type.Optional(Type.Union([Type.Null(), Type.Object({}, open)])),
    ssl_verify: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  }),
  outputs: () => ({ names: ['status_code', 'body', 'headers', 'files'] }),
});
