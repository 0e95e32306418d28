import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldError } from '../errors.ts';
import { type HostRule, isAllowed, parseAllowHosts, startNetworkProxy } from './network.ts';

function rules(list: unknown): { rules: HostRule[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  return { rules: parseAllowHosts(list, '/allowHosts', errors), errors };
}

describe('parseAllowHosts', () => {
  it('reads names, ports and subdomain wildcards, in lower case', () => {
    expect(rules(['PyPI.org', 'localhost:8080', '*.npmjs.org', '*.example.com:8443']).rules).toEqual([
      { host: 'pypi.org', subdomains: false },
      { host: 'localhost', subdomains: false, port: 8080 },
      { host: 'npmjs.org', subdomains: true },
      { host: 'example.com', subdomains: true, port: 8443 },
    ]);
  });

  it('reports each bad entry with its pointer', () => {
    const { errors } = rules(['ok.org', '*', 'http://x.org', 'a b', '*.', 'x.org:0', 'x.org:70000', 7, '-x.org']);
    expect(errors.map((e) => e.pointer)).toEqual([
      '/allowHosts/1',
      '/allowHosts/2',
      '/allowHosts/3',
      '/allowHosts/4',
      '/allowHosts/5',
      '/allowHosts/6',
      '/allowHosts/7',
      '/allowHosts/8',
    ]);
    expect(errors[0]?.message).toMatch(/host name with an optional "\*\." prefix/);
    expect(rules([]).errors[0]?.message).toMatch(/non-empty array/);
  });
});

describe('isAllowed', () => {
  const list = rules(['pypi.org', '*.npmjs.org', 'localhost:8080']).rules;
  it.each([
    ['pypi.org', 443, true],
    ['pypi.org', 80, true],
    ['PYPI.ORG.', 443, true],
    ['pypi.org', 22, false],
    ['files.pypi.org', 443, false],
    ['evilpypi.org', 443, false],
    ['registry.npmjs.org', 443, true],
    ['a.b.npmjs.org', 443, true],
    ['npmjs.org', 443, false],
    ['evil-npmjs.org', 443, false],
    ['localhost', 8080, true],
    ['localhost', 443, false],
    ['127.0.0.1', 8080, false],
  ])('%s:%d → %s', (host, port, expected) => {
    expect(isAllowed(list, host, port)).toBe(expected);
  });
});

describe('the filtering proxy', () => {
  let upstream: http.Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      hits++;
      res.end(`upstream saw ${req.method} ${req.url}`);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    port = (upstream.address() as net.AddressInfo).port;
  });
  afterAll(() => upstream.close());

  /** One raw exchange over the proxy's Unix socket. */
  function exchange(socketPath: string, request: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = net.connect(socketPath);
      let got = '';
      s.on('data', (d) => {
        got += d.toString();
        if (request.startsWith('CONNECT') && got.includes('\r\n\r\n') && got.startsWith('HTTP/1.1 200')) {
          s.write(`GET /tunnelled HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
          request = '';
        }
      });
      s.on('end', () => resolve(got));
      s.on('error', reject);
      s.write(request);
    });
  }

  it('forwards plain HTTP and tunnels CONNECT to listed hosts, refuses the rest with 403, and records both', async () => {
    const before = hits;
    const proxy = await startNetworkProxy(rules([`localhost:${port}`]).rules);
    const sock = path.join(proxy.dir, 'proxy.sock');
    try {
      const plain = await exchange(
        sock,
        `GET http://localhost:${port}/plain HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`,
      );
      expect(plain).toMatch(/^HTTP\/1.1 200/);
      expect(plain).toContain('upstream saw GET /plain');
      const tunnel = await exchange(sock, `CONNECT localhost:${port} HTTP/1.1\r\nHost: localhost:${port}\r\n\r\n`);
      expect(tunnel).toContain('upstream saw GET /tunnelled');
      const refusedPlain = await exchange(
        sock,
        `GET http://127.0.0.1:${port}/no HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      );
      expect(refusedPlain).toMatch(/^HTTP\/1.1 403/);
      expect(refusedPlain).toContain(
        `refused a connection to 127.0.0.1:${port}: this step may reach only localhost:${port}`,
      );
      const refusedTunnel = await exchange(sock, `CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n`);
      expect(refusedTunnel).toMatch(/^HTTP\/1.1 403/);
      const notProxy = await exchange(sock, 'GET /relative HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(notProxy).toMatch(/^HTTP\/1.1 400/);
      expect(hits - before).toBe(2);
      expect(proxy.allowed).toEqual([`localhost:${port}`]);
      expect(proxy.blocked).toEqual([`127.0.0.1:${port}`, 'example.com:443']);
    } finally {
      await proxy.close();
    }
  });
});
