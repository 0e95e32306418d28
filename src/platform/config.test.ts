import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configMarkdownTable, isLoopbackHost, loadConfig } from './config.ts';

describe('configuration', () => {
  it('has working defaults with no environment at all', () => {
    const c = loadConfig({ HOME: '/home/u' });
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(7070);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.home).toBe(path.resolve('/home/u/.orbit'));
    expect(c.logLevel).toBe('info');
  });

  const bad: [string, string, RegExp][] = [
    ['ORBIT_PORT', 'eighty', /ORBIT_PORT: "eighty" is not a whole number\. Example of a valid value: ORBIT_PORT=8080/],
    ['ORBIT_PORT', '70000', /ORBIT_PORT: 70000 is outside the allowed range 0\.\.65535/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL: uses protocol "mysql:", expected one of postgres:, postgresql:/],
    ['DATABASE_URL', 'not a url', /DATABASE_URL: is not a valid URL/],
    ['REDIS_URL', 'http://x', /REDIS_URL: uses protocol "http:"/],
    ['ORBIT_LOG_LEVEL', 'loud', /ORBIT_LOG_LEVEL: "loud" is not one of fatal, error/],
    ['ORBIT_JWT_SECRET', 'short', /ORBIT_JWT_SECRET: is 5 characters long, at least 32 are needed/],
    ['ORBIT_ENCRYPTION_KEY', 'xyz', /ORBIT_ENCRYPTION_KEY: must be exactly 64 hexadecimal characters/],
    ['ORBIT_RATE_LIMITS', '[1,2]', /ORBIT_RATE_LIMITS: is not a JSON object/],
    ['ORBIT_MODEL', 'gpt-4', /ORBIT_MODEL: "gpt-4" is not provider:model/],
    ['ORBIT_WORKER_CONCURRENCY', '0', /ORBIT_WORKER_CONCURRENCY: 0 is outside the allowed range 1\.\.256/],
  ];
  for (const [name, value, message] of bad) {
    it(`rejects ${name}=${value} with a message naming the variable, the problem and a valid example`, () => {
      let error: unknown;
      try {
        loadConfig({ [name]: value });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe(name);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain('Example of a valid value');
    });
  }

  it('recognises loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '10.0.0.1', '::', 'example.com']) expect(isLoopbackHost(h)).toBe(false);
  });

  it('documents every variable in one table', () => {
    const table = configMarkdownTable();
    for (const v of ['ORBIT_HOME', 'DATABASE_URL', 'REDIS_URL', 'ORBIT_PORT', 'ORBIT_JWT_SECRET'])
      expect(table).toContain(`\`${v}\``);
  });
});
