/**
 * Network for a sandboxed step that may reach listed hosts and nothing else.
 *
 * The step keeps its empty network namespace (no interface but its own loopback, no resolver). Inside it, socat
 * listens on 127.0.0.1:PROXY_PORT and carries each connection over a Unix socket, bound into the sandbox, to a proxy
 * in Orbit's own process. That proxy opens CONNECT tunnels (HTTPS, git, anything over TCP) and forwards plain-HTTP
 * requests to the listed hosts only, and answers every other destination with a 403 that names the list. The
 * step's programs find it through the usual `HTTPS_PROXY`/`HTTP_PROXY` variables; a program that ignores them has
 * no route out at all. The decision and its limits: docs/decisions/0008-sandbox-network-allowlist.md.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type FieldError, ValidationError } from '../errors.ts';

/** Where the proxy's socket directory appears inside the sandbox, and the port socat listens on there. */
export const SANDBOX_PROXY_DIR = '/run/orbit-network';
export const SANDBOX_PROXY_SOCKET = `${SANDBOX_PROXY_DIR}/proxy.sock`;
export const PROXY_PORT = 3128;
const PROXY_URL = `http://127.0.0.1:${PROXY_PORT}`;

/** The variables programs read to find a proxy (curl, git, pip, npm, Go, Python's urllib, Java via the wrapper). */
export const PROXY_ENV: Record<string, string> = {
  HTTP_PROXY: PROXY_URL,
  HTTPS_PROXY: PROXY_URL,
  http_proxy: PROXY_URL,
  https_proxy: PROXY_URL,
  npm_config_proxy: PROXY_URL,
  npm_config_https_proxy: PROXY_URL,
  NO_PROXY: '',
  no_proxy: '',
};

/** One entry of an allow-list: `host` (ports 80 and 443), `host:port`, `*.domain` (its subdomains) and `*.domain:port`. */
export interface HostRule {
  host: string;
  /** `*.example.com`: any name ending in `.example.com`, not `example.com` itself. */
  subdomains: boolean;
  /** undefined: 80 and 443. */
  port?: number;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_PATTERN = `^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*(?::[0-9]{1,5})?$`;
const HOST_RE = new RegExp(HOST_PATTERN);

/** Parses an allow-list, reporting each bad entry with its JSON pointer. */
export function parseAllowHosts(value: unknown, pointer: string, errors: FieldError[]): HostRule[] {
  if (!Array.isArray(value) || value.length === 0) {
    errors.push({ pointer, message: 'must be a non-empty array of host names, e.g. ["pypi.org", "*.npmjs.org:443"]' });
    return [];
  }
  const rules: HostRule[] = [];
  value.forEach((entry, i) => {
    const text = typeof entry === 'string' ? entry.trim().toLowerCase() : '';
    const [name = '', portText] = text.split(':');
    const port = portText === undefined ? undefined : Number(portText);
    if (!HOST_RE.test(text) || (port !== undefined && !(port >= 1 && port <= 65535))) {
      errors.push({
        pointer: `${pointer}/${i}`,
        message: `must be a host name with an optional "*." prefix and ":port", e.g. "pypi.org" or "*.github.com:443"; got ${JSON.stringify(entry)}`,
      });
      return;
    }
    rules.push({
      host: name.replace(/^\*\./, ''),
      subdomains: name.startsWith('*.'),
      ...(port !== undefined ? { port } : {}),
    });
  });
  return rules;
}

/** Throws a ValidationError naming every bad entry of an allow-list given by a user (e.g. a run's `allowHosts`). */
export function checkAllowHosts(value: unknown, pointer: string): void {
  const errors: FieldError[] = [];
  parseAllowHosts(value, pointer, errors);
  if (errors.length > 0) {
    throw new ValidationError(
      `allowHosts is not valid: ${errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}`,
      errors,
    );
  }
}

export function describeRule(r: HostRule): string {
  return `${r.subdomains ? '*.' : ''}${r.host}${r.port !== undefined ? `:${r.port}` : ''}`;
}

/** Whether `host:port` is on the list. Names compare case-insensitively and without a trailing dot. */
export function isAllowed(rules: readonly HostRule[], host: string, port: number): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return rules.some((r) => {
    const nameOk = r.subdomains ? name.endsWith(`.${r.host}`) : name === r.host;
    const portOk = r.port === undefined ? port === 80 || port === 443 : port === r.port;
    return nameOk && portOk;
  });
}

export interface NetworkProxy {
  /** Host directory holding `proxy.sock`; bound into the sandbox at SANDBOX_PROXY_DIR. */
  dir: string;
  /** Destinations the step asked for and was refused, as `host:port`, in order, without repeats. */
  blocked: string[];
  /** Destinations let through, as `host:port`, without repeats. */
  allowed: string[];
  close(): Promise<void>;
}

function splitHostPort(authority: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(authority);
  if (!m?.[1] || !m[2]) return undefined;
  return { host: m[1], port: Number(m[2]) };
}

/** Starts the filtering proxy for one step on a Unix socket in a private temporary directory. */
export async function startNetworkProxy(rules: readonly HostRule[]): Promise<NetworkProxy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-net-'));
  const socketPath = path.join(dir, 'proxy.sock');
  const blocked = new Set<string>();
  const allowed = new Set<string>();
  const sockets = new Set<net.Socket>();
  const list = rules.map(describeRule).join(', ');
  const refusal = (dest: string) =>
    `Orbit's sandbox refused a connection to ${dest}: this step may reach only ${list}. Ask for the host to be added to the run's allowHosts, or do without it.\n`;

  function check(dest: string, host: string, port: number): boolean {
    if (isAllowed(rules, host, port)) {
      allowed.add(dest);
      return true;
    }
    blocked.add(dest);
    return false;
  }

  const server = http.createServer((req, res) => {
    let url: URL | undefined;
    try {
      url = new URL(req.url ?? '');
    } catch {
      url = undefined;
    }
    if (url?.protocol !== 'http:') {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('This is a proxy: send absolute http:// URLs, or CONNECT host:port for anything else.\n');
      return;
    }
    const port = url.port === '' ? 80 : Number(url.port);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const dest = `${host}:${port}`;
    if (!check(dest, host, port)) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end(refusal(dest));
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const upstream = http.request(
      { host, port, method: req.method, path: `${url.pathname}${url.search}`, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`Orbit's sandbox proxy could not reach ${dest}: ${error.message}\n`);
    });
    req.pipe(upstream);
  });

  // The client socket of a CONNECT is the connection's own, already tracked by the 'connection' handler below.
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    client.on('error', () => client.destroy());
    const target = splitHostPort(req.url ?? '');
    if (!target) {
      client.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\nCONNECT needs host:port.\n');
      return;
    }
    const dest = `${target.host}:${target.port}`;
    if (!check(dest, target.host, target.port)) {
      const body = refusal(dest);
      client.end(
        `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    const upstream = net.connect({ port: target.port, host: target.host, noDelay: true });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', (error) => {
      if (client.writable && upstream.bytesRead === 0) {
        client.end(`HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\nCould not reach ${dest}: ${error.message}\n`);
      } else client.destroy();
    });
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    dir,
    get blocked() {
      return [...blocked];
    },
    get allowed() {
      return [...allowed];
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The in-sandbox prefix that starts the bridge from 127.0.0.1:PROXY_PORT to the proxy's socket, waits until it
 * listens, then execs the step's command (`"$@"`). The bridge lives in the step's pid namespace and ends with it.
 * `nodelay`: without it Nagle's algorithm on socat's side meets the client's delayed ACK, and every request through
 * the proxy waited about 40 ms (measured: 20 GETs 877 ms, with it 49 ms).
 */
export function bridgeArgs(socat: string): string[] {
  const script = [
    `"$0" TCP-LISTEN:${PROXY_PORT},bind=127.0.0.1,fork,reuseaddr,nodelay UNIX-CONNECT:${SANDBOX_PROXY_SOCKET} 2>/dev/null &`,
    'i=0',
    `until "$0" -u /dev/null TCP:127.0.0.1:${PROXY_PORT} 2>/dev/null; do`,
    '  i=$((i+1)); [ "$i" -gt 500 ] && { echo "orbit sandbox: the network bridge (socat) did not start" >&2; exit 125; }',
    '  sleep 0.01',
    'done',
    'exec "$@"',
  ].join('\n');
  return ['/bin/sh', '-c', script, socat];
}
