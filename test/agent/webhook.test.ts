import { sign } from '@octokit/webhooks-methods';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getWebhookDelivery } from '../../src/agent/store/index.ts';
import { githubWebhookPlugin, type WebhookRunInput } from '../../src/agent/webhook/index.ts';
import type { Database } from '../../src/platform/db/client.ts';
import { errorsPlugin } from '../../src/server/plugins/errors.ts';
import '../../src/server/types.ts';
import { freshDatabase } from '../support/db.ts';

const SECRET = 'It’s a Secret to Everybody';
let app: FastifyInstance;
let database: Database;
const started: WebhookRunInput[] = [];
let failNext = false;

function labeled(label: string) {
  return JSON.stringify({
    action: 'labeled',
    label: { name: label },
    issue: {
      number: 42,
      title: 'Add a health endpoint',
      body: 'GET /health returning ok',
      html_url: 'https://github.com/acme/app/issues/42',
    },
    repository: { full_name: 'acme/app', clone_url: 'https://github.com/acme/app.git', default_branch: 'main' },
  });
}

async function deliver(body: string, headers: Record<string, string | undefined>) {
  const h: Record<string, string> = { 'content-type': 'application/json' };
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) h[k] = v;
  return app.inject({ method: 'POST', url: '/v1/webhooks/github', payload: body, headers: h });
}

let seq = 0;
async function signed(body: string, event = 'issues', id = `d-${++seq}`) {
  return deliver(body, {
    'x-github-event': event,
    'x-github-delivery': id,
    'x-hub-signature-256': await sign(SECRET, body),
  });
}

beforeAll(async () => {
  database = await freshDatabase('pglite');
  app = Fastify();
  await app.register(errorsPlugin, {});
  await app.register(githubWebhookPlugin, {
    database,
    secret: SECRET,
    triggerLabel: 'orbit',
    startRun: async (input: WebhookRunInput) => {
      if (failNext) {
        failNext = false;
        throw new Error('queue down');
      }
      started.push(input);
      return { id: `run-${started.length}` };
    },
  });
  await app.ready();
});
afterAll(() => app.close());

describe('POST /v1/webhooks/github', () => {
  it('starts an agent run for a correctly signed "labeled" with the trigger label', async () => {
    const before = started.length;
    const res = await signed(labeled('orbit'), 'issues', 'good-1');
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: true, deliveryId: 'good-1', runId: `run-${before + 1}` });
    expect(started.at(-1)).toMatchObject({
      task: 'Add a health endpoint\n\nGET /health returning ok',
      repository: { fullName: 'acme/app', cloneUrl: 'https://github.com/acme/app.git', defaultBranch: 'main' },
      issue: { number: 42 },
    });
    expect((await getWebhookDelivery(database, 'good-1'))?.runId).toBe(`run-${before + 1}`);
  });

  it('rejects a bad signature with 401 problem+json and starts nothing', async () => {
    const before = started.length;
    const body = labeled('orbit');
    const res = await deliver(body, {
      'x-github-event': 'issues',
      'x-github-delivery': 'bad-1',
      'x-hub-signature-256': await sign('another secret', body),
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().type).toMatch(/webhook-signature-invalid$/);
    // A body altered after signing fails too.
    const tampered = await deliver(labeled('orbit').replace('42', '43'), {
      'x-github-event': 'issues',
      'x-github-delivery': 'bad-2',
      'x-hub-signature-256': await sign(SECRET, body),
    });
    expect(tampered.statusCode).toBe(401);
    expect(started.length).toBe(before);
    expect(await getWebhookDelivery(database, 'bad-1')).toBeUndefined();
  });

  it('rejects a missing signature with 401', async () => {
    const res = await deliver(labeled('orbit'), { 'x-github-event': 'issues', 'x-github-delivery': 'nosig' });
    expect(res.statusCode).toBe(401);
    expect(res.json().type).toMatch(/webhook-signature-missing$/);
  });

  it('rejects a replayed delivery id with 409 and starts one run only', async () => {
    const before = started.length;
    expect((await signed(labeled('orbit'), 'issues', 'replay-1')).statusCode).toBe(202);
    const again = await signed(labeled('orbit'), 'issues', 'replay-1');
    expect(again.statusCode).toBe(409);
    expect(again.json().type).toMatch(/webhook-replayed$/);
    expect(started.length).toBe(before + 1);
  });

  it('ignores other labels, other actions and other events with 202 and a reason', async () => {
    const before = started.length;
    const other = await signed(labeled('bug'));
    expect(other.statusCode).toBe(202);
    expect(other.json()).toMatchObject({
      accepted: false,
      reason: expect.stringContaining('"bug" is not the trigger label'),
    });
    const unlabeled = await signed(labeled('orbit').replace('"labeled"', '"unlabeled"'));
    expect(unlabeled.json()).toMatchObject({ accepted: false, reason: expect.stringContaining('unlabeled') });
    const ping = await signed(JSON.stringify({ zen: 'Keep it logically awesome.' }), 'ping');
    expect(ping.statusCode).toBe(202);
    expect(ping.json()).toMatchObject({ accepted: false, reason: expect.stringContaining('"ping"') });
    expect(started.length).toBe(before);
  });

  it('answers 400 for missing delivery headers or a non-JSON body', async () => {
    const body = labeled('orbit');
    const noId = await deliver(body, { 'x-github-event': 'issues', 'x-hub-signature-256': await sign(SECRET, body) });
    expect(noId.statusCode).toBe(400);
    const junk = await signed('not json');
    expect(junk.statusCode).toBe(400);
  });

  it('lets GitHub redeliver (same id) when starting the run failed', async () => {
    const before = started.length;
    failNext = true;
    expect((await signed(labeled('orbit'), 'issues', 'retry-1')).statusCode).toBe(500);
    const redelivered = await signed(labeled('orbit'), 'issues', 'retry-1');
    expect(redelivered.statusCode).toBe(202);
    expect(started.length).toBe(before + 1);
  });

  it('answers 503 when no secret is configured', async () => {
    const off = Fastify();
    await off.register(errorsPlugin, {});
    await off.register(githubWebhookPlugin, {
      database,
      secret: undefined,
      triggerLabel: 'orbit',
      startRun: async () => ({ id: 'x' }),
    });
    const body = labeled('orbit');
    const res = await off.inject({
      method: 'POST',
      url: '/v1/webhooks/github',
      payload: body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issues',
        'x-github-delivery': 'off-1',
        'x-hub-signature-256': await sign(SECRET, body),
      },
    });
    expect(res.statusCode).toBe(503);
    await off.close();
  });
});
