import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DecryptionError, decrypt, encrypt, loadSecrets, SecretsError } from './secrets.ts';

const homes: string[] = [];
function scratchHome(): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-secrets-'));
  homes.push(home);
  return home;
}
afterEach(() => {
  for (const h of homes.splice(0)) fs.rmSync(h, { recursive: true, force: true });
});

const none = { jwtSecret: undefined, encryptionKey: undefined };

describe('loadSecrets', () => {
  it('generates both keys once into $ORBIT_HOME/secrets with mode 0600 and reuses them', () => {
    const home = scratchHome();
    const first = loadSecrets({ home, ...none });
    const dir = path.join(home, 'secrets');
    for (const f of ['jwt.key', 'encryption.key']) {
      expect(fs.statSync(path.join(dir, f)).mode & 0o777).toBe(0o600);
    }
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(first.encryptionKey).toHaveLength(32);
    expect(first.jwtSecret).toBeInstanceOf(Uint8Array);
    expect((first.jwtSecret as Uint8Array).length).toBe(32);
    const second = loadSecrets({ home, ...none });
    expect(Buffer.from(second.jwtSecret as Uint8Array).equals(Buffer.from(first.jwtSecret as Uint8Array))).toBe(true);
    expect(second.encryptionKey.equals(first.encryptionKey)).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(['encryption.key', 'jwt.key']);
  });

  it('takes values from the environment and writes nothing then', () => {
    const home = scratchHome();
    const hex = 'ab'.repeat(32);
    const s = loadSecrets({ home, jwtSecret: 'x'.repeat(40), encryptionKey: hex });
    expect(s.jwtSecret).toBe('x'.repeat(40));
    expect(s.encryptionKey.toString('hex')).toBe(hex);
    expect(fs.existsSync(path.join(home, 'secrets'))).toBe(false);
  });

  it('refuses a key file others can read, and a corrupt one, naming the file', () => {
    const home = scratchHome();
    loadSecrets({ home, ...none });
    const file = path.join(home, 'secrets', 'jwt.key');
    fs.chmodSync(file, 0o644);
    expect(() => loadSecrets({ home, ...none })).toThrow(SecretsError);
    expect(() => loadSecrets({ home, ...none })).toThrow(/chmod 600 .*jwt\.key/);
    fs.chmodSync(file, 0o600);
    fs.writeFileSync(file, 'short');
    expect(() => loadSecrets({ home, ...none })).toThrow(/jwt\.key does not hold a 64-hex-character key/);
  });
});

describe('encrypt / decrypt (AES-256-GCM)', () => {
  const key = Buffer.alloc(32, 7);

  it('round-trips, with a fresh IV each time and a versioned format', () => {
    const a = encrypt(key, 'ghp_secret token ✓');
    const b = encrypt(key, 'ghp_secret token ✓');
    expect(a).toMatch(/^v1\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('ghp_secret');
    expect(decrypt(key, a)).toBe('ghp_secret token ✓');
    expect(decrypt(key, b)).toBe('ghp_secret token ✓');
  });

  it('detects a changed ciphertext, tag, IV, key or context', () => {
    const blob = encrypt(key, 'hello world', 'row-1');
    const [v, iv, ct, tag] = blob.split('.') as [string, string, string, string];
    const flip = (s: string) => {
      const b = Buffer.from(s, 'base64url');
      b[0] = (b[0] as number) ^ 1;
      return b.toString('base64url');
    };
    for (const tampered of [
      [v, iv, flip(ct), tag],
      [v, iv, ct, flip(tag)],
      [v, flip(iv), ct, tag],
    ]) {
      expect(() => decrypt(key, tampered.join('.'), 'row-1')).toThrow(DecryptionError);
    }
    expect(() => decrypt(Buffer.alloc(32, 8), blob, 'row-1')).toThrow(/failed its integrity check/);
    expect(() => decrypt(key, blob, 'row-2')).toThrow(/failed its integrity check/);
    expect(decrypt(key, blob, 'row-1')).toBe('hello world');
  });

  it('rejects malformed values and wrong key sizes clearly', () => {
    expect(() => decrypt(Buffer.alloc(32), 'plain text')).toThrow(/Not an Orbit encrypted value/);
    expect(() => decrypt(Buffer.alloc(32), 'v2.a.b.c')).toThrow(/Not an Orbit encrypted value/);
    expect(() => decrypt(Buffer.alloc(32), 'v1.AAAA.AAAA.AAAA')).toThrow(/wrong length/);
    expect(() => encrypt(Buffer.alloc(16), 'x')).toThrow(/32-byte key, got 16/);
  });
});
