import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { type Server, startServer } from '../../src/orbit.ts';
import { loadConfig } from '../../src/platform/config.ts';

/**
 * The real server, built by the real composition root, on a free loopback port with a scratch ORBIT_HOME.
 * Its log lines are captured so tests can grep them (e.g. for leaked secrets).
 */
export interface TestServer {
  server: Server;
  url: string;
  logs: string[];
  close(): Promise<void>;
}

export async function startTestServer(env: Record<string, string | undefined> = {}): Promise<TestServer> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-server-'));
  const config = loadConfig({
    HOME: home,
    ORBIT_HOME: home,
    ORBIT_PORT: '0',
    ORBIT_HEARTBEAT_SECONDS: '1',
    ORBIT_WORKER_CONCURRENCY: '2',
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const server = await startServer(config, { workers: true, logger });
  return {
    server,
    url: server.url,
    logs,
    async close() {
      await server.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** fetch against the test server, JSON in and out. */
export async function api(
  base: string,
  method: string,
  url: string,
  options: { body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string>; key?: string } = {},
) {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | Buffer | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: json as Record<string, unknown> & { [k: string]: unknown },
  };
}
