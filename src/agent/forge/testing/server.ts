import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

interface RecordedFixture {
  method: string;
  path: string;
  status: number;
  response: unknown;
}

/**
 * A label exactly as GitHub answered `POST /repos/{o}/{r}/issues/{n}/labels` in `@octokit/fixtures`' recorded
 * "add-labels-to-issue" scenario (there is no recorded create-pull-request scenario; PRs are shaped by the OpenAPI
 * description instead). Our labels are that recording with name, id and url replaced.
 */
export function recordedLabel(): Record<string, unknown> {
  const file = createRequire(import.meta.url).resolve(
    '@octokit/fixtures/scenarios/api.github.com/add-labels-to-issue/normalized-fixture.json',
  );
  const fixtures = JSON.parse(fs.readFileSync(file, 'utf8')) as RecordedFixture[];
  const add = fixtures.find((f) => f.method === 'post' && /\/issues\/\d+\/labels$/.test(f.path) && f.status === 200);
  const first = Array.isArray(add?.response) ? (add.response[0] as Record<string, unknown>) : undefined;
  if (!first) throw new Error('@octokit/fixtures: the add-labels-to-issue scenario has no recorded label');
  return first;
}

/**
 * A local stand-in for GitHub's REST API (the parts the forge uses), for tests: the real API is not reachable from
 * CI and must never receive test PRs. Responses follow the shapes of GitHub's OpenAPI description (pull request,
 * label, error `{ message, documentation_url }`) and its documented error signals.
 */
export type FakeGitHubMode =
  /** POST /pulls with draft:false answers 422 as a repository rule/branch protection does; a draft succeeds. */
  | { kind: 'protected' }
  /** POST /pulls creates the pull request but the answer never comes (the client died or the network dropped it). */
  | { kind: 'lost-response' }
  /** The next `times` requests answer 403 secondary rate limit with `retry-after: seconds`. */
  | { kind: 'secondary-rate-limit'; times: number; retryAfter: number }
  /** The next `times` requests answer 429 with `retry-after: seconds`. */
  | { kind: 'too-many-requests'; times: number; retryAfter: number }
  /** The next `times` requests answer `status` (5xx). */
  | { kind: 'server-error'; times: number; status?: number };

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  authorization: string | undefined;
}

interface FakePull {
  id: number;
  number: number;
  state: 'open' | 'closed';
  draft: boolean;
  title: string;
  body: string;
  head: string;
  base: string;
  labels: string[];
  merged_at: string | null;
}

export interface FakeGitHub {
  url: string;
  requests: RecordedRequest[];
  pulls: FakePull[];
  setMode(mode: FakeGitHubMode | undefined): void;
  /** How many POST /pulls answered 201. */
  created(): number;
  close(): Promise<void>;
}

export async function startFakeGitHub(o: { owner?: string; repo?: string } = {}): Promise<FakeGitHub> {
  const pulls: FakePull[] = [];
  const requests: RecordedRequest[] = [];
  let mode: FakeGitHubMode | undefined;
  let nextNumber = 1;
  let base = '';
  const labelTemplate = recordedLabel();

  const pullJson = (owner: string, repo: string, p: FakePull) => ({
    url: `${base}/repos/${owner}/${repo}/pulls/${p.number}`,
    id: p.id,
    node_id: `PR_${p.id}`,
    html_url: `https://github.com/${owner}/${repo}/pull/${p.number}`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    body: p.body,
    draft: p.draft,
    merged_at: p.merged_at,
    labels: p.labels.map((name, i) => ({ ...labelTemplate, id: 1000 + i, name })),
    head: { ref: p.head, label: `${owner}:${p.head}`, sha: '0'.repeat(40) },
    base: { ref: p.base, label: `${owner}:${p.base}`, sha: '0'.repeat(40) },
    user: { login: owner, id: 1, type: 'User' },
    created_at: new Date(0).toISOString(),
    updated_at: new Date(0).toISOString(),
  });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      const entry: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body,
        status: 0,
        authorization: req.headers.authorization,
      };
      requests.push(entry);
      const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
        entry.status = status;
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(JSON.stringify(json));
      };
      const error = (status: number, message: string, headers: Record<string, string> = {}) =>
        send(status, { message, documentation_url: 'https://docs.github.com/rest' }, headers);

      if (mode && 'times' in mode && mode.times > 0) {
        mode.times--;
        if (mode.kind === 'secondary-rate-limit') {
          return error(
            403,
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            { 'retry-after': String(mode.retryAfter), 'x-ratelimit-remaining': '4999' },
          );
        }
        if (mode.kind === 'too-many-requests') {
          return error(429, 'Too Many Requests', { 'retry-after': String(mode.retryAfter) });
        }
        return error(mode.status ?? 502, 'Server Error');
      }

      const m = url.pathname.match(/^\/repos\/([^/]+)\/([^/]+)\/(pulls|issues\/(\d+)\/labels)$/);
      if (!m) return error(404, 'Not Found');
      const [, owner = '', repo = ''] = m;
      if ((o.owner && owner !== o.owner) || (o.repo && repo !== o.repo)) return error(404, 'Not Found');
      if (!req.headers.authorization) return error(401, 'Requires authentication');

      if (m[3] === 'pulls' && req.method === 'GET') {
        const head = url.searchParams.get('head');
        const state = url.searchParams.get('state') ?? 'open';
        const branch = head?.includes(':') ? head.split(':')[1] : head;
        const list = pulls.filter((p) => (!branch || p.head === branch) && (state === 'all' || p.state === state));
        return send(
          200,
          list.map((p) => pullJson(owner, repo, p)),
        );
      }
      if (m[3] === 'pulls' && req.method === 'POST') {
        const b = (body ?? {}) as { title?: string; head?: string; base?: string; body?: string; draft?: boolean };
        if (!b.head || !b.base || !b.title) {
          return send(422, {
            message: 'Validation Failed',
            errors: [{ resource: 'PullRequest', code: 'missing_field' }],
          });
        }
        if (pulls.some((p) => p.head === b.head && p.state === 'open')) {
          return send(422, {
            message: `Validation Failed: A pull request already exists for ${owner}:${b.head}.`,
            errors: [
              {
                resource: 'PullRequest',
                code: 'custom',
                message: `A pull request already exists for ${owner}:${b.head}.`,
              },
            ],
          });
        }
        if (mode?.kind === 'protected' && !b.draft) {
          return error(422, 'Repository rule violations found: pull requests to this branch must start as drafts');
        }
        const p: FakePull = {
          id: 1000 + nextNumber,
          number: nextNumber++,
          state: 'open',
          draft: Boolean(b.draft),
          title: b.title,
          body: b.body ?? '',
          head: b.head,
          base: b.base,
          labels: [],
          merged_at: null,
        };
        pulls.push(p);
        if (mode?.kind === 'lost-response') {
          entry.status = 201;
          return;
        }
        return send(201, pullJson(owner, repo, p), { location: `${base}/repos/${owner}/${repo}/pulls/${p.number}` });
      }
      if (m[4] && req.method === 'POST') {
        const p = pulls.find((x) => x.number === Number(m[4]));
        if (!p) return error(404, 'Not Found');
        const labels = ((body ?? {}) as { labels?: string[] }).labels ?? [];
        for (const l of labels) if (!p.labels.includes(l)) p.labels.push(l);
        return send(
          200,
          p.labels.map((name, i) => ({
            ...labelTemplate,
            id: 1000 + i,
            url: `${base}/repos/${owner}/${repo}/labels/${encodeURIComponent(name)}`,
            name,
          })),
        );
      }
      return error(404, 'Not Found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    pulls,
    setMode(m) {
      mode = m;
    },
    created: () => requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pulls') && r.status === 201).length,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
