import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicError, anthropicEvents, anthropicMessage } from './anthropicProtocol.ts';
import { openaiChunks, openaiCompletion, openaiError } from './openaiProtocol.ts';
import type { Protocol, ScriptStep } from './script.ts';

/**
 * A local model server for tests and demos: real HTTP speaking OpenAI chat completions (`POST /v1/chat/completions`)
 * and Anthropic Messages (`POST /v1/messages`), streaming and not, answering from a script and recording every
 * request it received.
 */
export interface RecordedRequest {
  protocol: Protocol;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** `Date.now()` when the request arrived. */
  receivedAt: number;
}

export interface ModelServerOptions {
  /** Steps answered in order. More can be added with `enqueue`. */
  script?: ScriptStep[];
  /** When set, requests without this key (Bearer for OpenAI, `x-api-key` for Anthropic) get a 401. */
  apiKey?: string;
  port?: number;
  host?: string;
}

export interface ModelServer {
  /** `http://host:port/v1`: the base URL for both OPENAI_BASE_URL and ANTHROPIC_BASE_URL. */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Expectations a request did not meet (each also answered with 400). */
  readonly mismatches: string[];
  enqueue(...steps: ScriptStep[]): void;
  /** Steps not yet consumed. */
  remaining(): number;
  close(): Promise<void>;
}

export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const queue: ScriptStep[] = [...(options.script ?? [])];
  const requests: RecordedRequest[] = [];
  const mismatches: string[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `model server bug: ${String(err)}` } });
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'POST' && path.endsWith('/embeddings')) {
      let body: { model?: string; input?: string | string[] };
      try {
        body = JSON.parse(await readBody(req)) as typeof body;
      } catch {
        sendError(res, 'openai', 400, 'request body is not JSON');
        return;
      }
      const inputs = Array.isArray(body.input) ? body.input : [String(body.input ?? '')];
      requests.push({
        protocol: 'openai',
        path,
        headers: req.headers,
        body,
        model: body.model ?? '',
        stream: false,
        receivedAt: Date.now(),
      });
      if (options.apiKey !== undefined && presentedKey(req, 'openai') !== options.apiKey) {
        sendError(res, 'openai', 401, 'Incorrect API key provided.');
        return;
      }
      const tokens = inputs.reduce((n, t) => n + t.split(/\s+/).filter(Boolean).length, 0);
      sendJson(res, 200, {
        object: 'list',
        model: body.model,
        data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(text) })),
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      });
      return;
    }
    const protocol: Protocol | undefined = path.endsWith('/chat/completions')
      ? 'openai'
      : path.endsWith('/messages')
        ? 'anthropic'
        : undefined;
    if (req.method !== 'POST' || !protocol) {
      sendJson(res, 404, { error: { message: `no route for ${req.method} ${path}` } });
      return;
    }
    const raw = await readBody(req);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      sendError(res, protocol, 400, 'request body is not JSON');
      return;
    }
    const model = typeof body.model === 'string' ? body.model : '';
    const stream = body.stream === true;
    requests.push({ protocol, path, headers: req.headers, body, model, stream, receivedAt: Date.now() });

    if (options.apiKey !== undefined && presentedKey(req, protocol) !== options.apiKey) {
      sendError(res, protocol, 401, protocol === 'openai' ? 'Incorrect API key provided.' : 'invalid x-api-key');
      return;
    }
    const step = queue.shift();
    if (!step) {
      sendError(res, protocol, 500, 'model server: the script has no step left for this request');
      return;
    }
    const problem = unmet(step, protocol, model, stream, raw);
    if (problem) {
      mismatches.push(problem);
      sendError(res, protocol, 400, `model server: ${problem}`);
      return;
    }
    if (step.delayMs) await sleep(step.delayMs, res);
    if (res.destroyed) return;

    const reply = step.reply;
    if (reply.kind === 'error') {
      sendError(
        res,
        protocol,
        reply.status,
        reply.message ?? `scripted ${reply.status}`,
        reply.errorType,
        reply.headers,
      );
      return;
    }
    if (!stream) {
      sendJson(res, 200, protocol === 'openai' ? openaiCompletion(reply, model) : anthropicMessage(reply, model));
      return;
    }
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const events: [string | undefined, string][] =
      protocol === 'openai'
        ? openaiChunks(reply, model, includeUsage).map((d) => [undefined, d])
        : anthropicEvents(reply, model);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    for (let i = 0; i < events.length; i++) {
      if (step.cutAfterChunks !== undefined && i >= step.cutAfterChunks) {
        // A connection lost mid-answer: what was sent arrives, then no final chunk, no [DONE], no clean end of
        // the chunked body. Flush first: destroying a socket drops its unwritten data.
        await new Promise<void>((resolve) => res.write('', () => resolve()));
        await new Promise((resolve) => setTimeout(resolve, 50));
        res.socket?.destroy();
        return;
      }
      const [name, data] = events[i]!;
      res.write(`${name ? `event: ${name}\n` : ''}data: ${data}\n\n`);
      if (i === 0 && step.malformedChunk)
        res.write(`${name ? 'event: content_block_delta\n' : ''}data: {"choices": [{"delta": \n\n`);
    }
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    baseUrl: `http://${host}:${address.port}/v1`,
    requests,
    mismatches,
    enqueue: (...steps) => queue.push(...steps),
    remaining: () => queue.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function presentedKey(req: http.IncomingMessage, protocol: Protocol): string | undefined {
  if (protocol === 'anthropic') return headerValue(req.headers['x-api-key']);
  const auth = headerValue(req.headers.authorization);
  return auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function unmet(step: ScriptStep, protocol: Protocol, model: string, stream: boolean, raw: string): string | undefined {
  const e = step.expect;
  if (!e) return undefined;
  if (e.protocol && e.protocol !== protocol) return `expected a ${e.protocol} request, got ${protocol}`;
  if (e.model && e.model !== model) return `expected model "${e.model}", got "${model}"`;
  if (e.stream !== undefined && e.stream !== stream) return `expected stream=${e.stream}, got stream=${stream}`;
  if (e.bodyContains && !raw.includes(e.bodyContains)) return `expected the request to contain "${e.bodyContains}"`;
  return undefined;
}

function sendError(
  res: http.ServerResponse,
  protocol: Protocol,
  status: number,
  message: string,
  errorType?: string,
  headers: Record<string, string> = {},
) {
  const body =
    protocol === 'openai' ? openaiError(status, message, errorType) : anthropicError(status, message, errorType);
  sendJson(res, status, body, headers);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Waits, but stops early when the client hangs up (an aborted call). */
function sleep(ms: number, res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    res.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Deterministic embeddings for tests: words hashed into 64 buckets, L2-normalised, so texts sharing words are
 * close and unrelated ones are not. Answered by `POST /v1/embeddings` (OpenAI protocol) without a script step.
 */
export function fakeEmbedding(text: string, dimensions = 64): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const word of text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 2)) {
    let h = 2166136261;
    for (const ch of word) h = Math.imul(h ^ (ch.codePointAt(0) ?? 0), 16777619);
    v[(h >>> 0) % dimensions]! += 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}
