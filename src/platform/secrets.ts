import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';

/**
 * The server's two secrets: the HS256 key for bearer tokens and the AES-256-GCM key for stored tokens.
 * Each comes from its environment variable, or is generated once into `$ORBIT_HOME/secrets/` (mode 0600) and
 * reused afterwards, so `npm start` works with no configuration and restarts keep tokens valid.
 */
export interface Secrets {
  jwtSecret: Uint8Array | string;
  encryptionKey: Buffer;
}

export class SecretsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretsError';
  }
}

const KEY_BYTES = 32;
const HEX_KEY = /^[0-9a-f]{64}$/i;

export function secretsDir(home: string): string {
  return path.join(home, 'secrets');
}

export function loadSecrets(config: Pick<Config, 'home' | 'jwtSecret' | 'encryptionKey'>): Secrets {
  const dir = secretsDir(config.home);
  const jwtSecret = config.jwtSecret ?? new Uint8Array(Buffer.from(readOrCreateKey(path.join(dir, 'jwt.key')), 'hex'));
  const encryptionKey = Buffer.from(config.encryptionKey ?? readOrCreateKey(path.join(dir, 'encryption.key')), 'hex');
  return { jwtSecret, encryptionKey };
}

/** Returns the 64-hex-character key in `file`, creating it atomically (mode 0600) if it does not exist. */
function readOrCreateKey(file: string): string {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, `${crypto.randomBytes(KEY_BYTES).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      // link() fails if the file exists, so two processes starting at once agree on one key with full content.
      fs.linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  return readKey(file);
}

function readKey(file: string): string {
  const stat = fs.statSync(file);
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    throw new SecretsError(
      `${file} is readable by other users (mode ${(stat.mode & 0o777).toString(8)}); restrict it with: chmod 600 ${file}`,
    );
  }
  const value = fs.readFileSync(file, 'utf8').trim();
  if (!HEX_KEY.test(value)) {
    throw new SecretsError(
      `${file} does not hold a 64-hex-character key; delete it to have a new one generated (tokens signed or values encrypted with the old one stop working)`,
    );
  }
  return value;
}

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptionError';
  }
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new TypeError(`AES-256-GCM needs a 32-byte key, got ${key.length} bytes`);
}

/**
 * AES-256-GCM with a fresh random 12-byte IV. Output: `v1.<iv>.<ciphertext>.<tag>`, each part base64url; the version
 * lets the format or algorithm change later without guessing. `context` (e.g. a row id) is bound as associated data,
 * so a value copied to another row does not decrypt.
 */
export function encrypt(key: Buffer, plaintext: string, context = ''): string {
  checkKey(key);
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, ciphertext, cipher.getAuthTag()]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export function decrypt(key: Buffer, blob: string, context = ''): string {
  checkKey(key);
  const parts = blob.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new DecryptionError(`Not an Orbit encrypted value: expected "${VERSION}.<iv>.<ciphertext>.<tag>".`);
  }
  const [, ivText, ciphertextText, tagText] = parts as [string, string, string, string];
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new DecryptionError('Not an Orbit encrypted value: the IV or authentication tag has the wrong length.');
  }
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new DecryptionError(
      'The encrypted value failed its integrity check: it was altered, or it was encrypted with another key (did ORBIT_ENCRYPTION_KEY or $ORBIT_HOME/secrets/encryption.key change?).',
    );
  }
}
