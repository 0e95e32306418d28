import { describe, expect, it } from 'vitest';
import {
  isSecretKey,
  maskKnownSecrets,
  REDACTED,
  redactText,
  rememberSecretFields,
  rememberSecretHeaders,
  runWithSecretScope,
  scrubValue,
} from './redact.ts';

describe('redactText', () => {
  it.each([
    ['key orbit_ab12cd34_Zk3qL9xW2vB7nM4pR8tY1u used', 'key orbit_ab12cd34_[REDACTED] used'],
    ['Authorization: Bearer eyJabc.def', 'Authorization: [REDACTED]'],
    ['sent Bearer abc123def456 upstream', 'sent Bearer [REDACTED] upstream'],
    ['anthropic sk-ant-api03-abcdefghijklmnop rejected', 'anthropic sk-[REDACTED] rejected'],
    ['openai sk-proj-abcdefghijklmnop1234 rejected', 'openai sk-[REDACTED] rejected'],
    ['github ghp_abcdefghijklmnopqrstuvwxyz0123 ok', `github ${REDACTED} ok`],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJrZXkifQ.c2lnbmF0dXJlc2ln end', `jwt ${REDACTED} end`],
    ['postgres://orbit:s3cret-pw@db:5432/orbit', 'postgres://orbit:[REDACTED]@db:5432/orbit'],
    ['/v1/x?token=abc&api_key=def&page=2', '/v1/x?token=[REDACTED]&api_key=[REDACTED]&page=2'],
    ['body {"password":"pw1","name":"n"}', 'body {"password":"[REDACTED]","name":"n"}'],
    ['Cookie: session=abc; theme=dark', 'Cookie: [REDACTED]'],
  ])('masks %s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it.each([
    'orbit_http_request_duration_seconds_bucket',
    'send a Bearer token in the Authorization header',
    'Token usage: 1234 input tokens',
    'postgres://db.example.com:5432/orbit',
    'https://orbit.dev/problems/forbidden',
  ])('leaves ordinary text alone: %s', (text) => {
    expect(redactText(text)).toBe(text);
  });

  it('keeps a serialised JSON line valid JSON', () => {
    const line = JSON.stringify({
      msg: 'failed with Bearer abc123def456 at postgres://u:pw-123456@h/db',
      url: '/x?secret=zzz',
      nested: JSON.stringify({ apiKey: 'k-123456' }),
    });
    const parsed = JSON.parse(redactText(line)) as { msg: string; url: string; nested: string };
    expect(parsed.msg).toBe('failed with Bearer [REDACTED] at postgres://u:[REDACTED]@h/db');
    expect(parsed.url).toBe('/x?secret=[REDACTED]');
    expect(JSON.parse(parsed.nested)).toEqual({ apiKey: REDACTED });
  });

  it('is idempotent', () => {
    const once = redactText('orbit_ab12cd34_Zk3qL9xW2vB7nM4pR8tY1u and Bearer abc123def456');
    expect(redactText(once)).toBe(once);
  });
});

describe('isSecretKey and scrubValue', () => {
  it('knows secret-bearing names in any spelling', () => {
    for (const name of [
      'Authorization',
      'x-api-key',
      'apiKey',
      'api_key',
      'PASSWORD',
      'githubToken',
      'OPENAI_API_KEY',
    ]) {
      expect(isSecretKey(name), name).toBe(true);
    }
    for (const name of ['inputTokens', 'maxTokens', 'keyPrefix', 'name', 'route']) {
      expect(isSecretKey(name), name).toBe(false);
    }
  });

  it('masks secret fields at any depth and secret-shaped strings everywhere', () => {
    const out = scrubValue({
      user: { name: 'a', credentials: [{ token: 't', note: 'uses sk-ant-abcdefghijkl12' }] },
      headers: { authorization: 'x', accept: 'json' },
      count: 3,
    });
    expect(out).toEqual({
      user: { name: 'a', credentials: [{ token: REDACTED, note: 'uses sk-[REDACTED]' }] },
      headers: { authorization: REDACTED, accept: 'json' },
      count: 3,
    });
  });
});

describe('secrets remembered for the current request', () => {
  it('masks the exact credentials a request carried, only inside its scope', () => {
    runWithSecretScope(() => {
      rememberSecretHeaders({ authorization: 'Basic plainword', cookie: 'a=cookieval1; b=cookieval2', accept: 'x' });
      rememberSecretFields({ nested: { password: 'opensesame' }, note: 'visible' });
      expect(maskKnownSecrets('plainword cookieval1 cookieval2 opensesame visible')).toBe(
        `${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} visible`,
      );
    });
    expect(maskKnownSecrets('opensesame')).toBe('opensesame');
  });
});
