/**
 * The one place that knows what a secret looks like. Logs, traces and error reports all scrub through here, so a
 * new kind of secret is taught to every sink at once.
 *
 * Two complementary defences:
 *  - by name: a field called `password`, `apiKey`, `authorization`… is masked whatever its value (`isSecretKey`);
 *  - by shape: a value that looks like a credential (an Orbit key, `Bearer …`, `sk-…`, a JWT, a URL password) is
 *    masked wherever it appears in free text (`redactText`), e.g. inside an error message or a logged URL.
 */

import { AsyncLocalStorage } from 'node:async_hooks';

export const REDACTED = '[REDACTED]';

/** HTTP headers that carry credentials (lower case, as Node delivers them). */
export const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'] as const;

/** Body/config field names that carry credentials, as they are usually spelled. */
export const SECRET_FIELDS = [
  'password',
  'passwd',
  'secret',
  'clientSecret',
  'client_secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'apiKey',
  'api_key',
  'privateKey',
  'private_key',
  'keyMaterial',
  'secretKey',
  'encryptionKey',
  'jwtSecret',
  'anthropicApiKey',
  'openaiApiKey',
  'ANTHROPIC_API_KEY',
  'OPENAI_API_KEY',
  'githubToken',
  'GITHUB_TOKEN',
  'metricsToken',
] as const;

/** Compare names without case, `-` or `_`, so `X-Api-Key`, `api_key` and `apiKey` are one name. */
function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

const SECRET_NAMES = new Set([...SECRET_HEADERS, ...SECRET_FIELDS].map(normalise));
/** Suffixes that make any field secret-bearing: `githubPassword`, `webhookSecret`, `sessionToken`, `openaiApiKey`. */
const SECRET_SUFFIXES = ['password', 'secret', 'token', 'apikey', 'privatekey', 'authorization', 'cookie'];

export function isSecretKey(name: string): boolean {
  const n = normalise(name);
  return SECRET_NAMES.has(n) || SECRET_SUFFIXES.some((s) => n.endsWith(s));
}

/**
 * Paths for pino's `redact` (fast-redact syntax): headers wherever Fastify/pino put them and secret fields at the
 * top level and one level down. Deeper fields are caught by `scrubValue`, free text by `redactText`.
 */
export function redactPaths(): string[] {
  const paths: string[] = [];
  for (const h of SECRET_HEADERS) {
    for (const parent of ['req.headers', 'res.headers', 'request.headers', 'response.headers', 'headers']) {
      paths.push(`${parent}["${h}"]`);
    }
  }
  for (const f of SECRET_FIELDS) {
    paths.push(f, `*.${f}`, `req.body.${f}`, `body.${f}`);
  }
  return paths;
}

// Character classes never include `"` or `\`, so redacting a serialised JSON line keeps it valid JSON.
const TEXT_RULES: [RegExp, string | ((match: string, ...groups: string[]) => string)][] = [
  // Orbit API keys: keep the public prefix (it identifies the key), drop the secret. All-lowercase snake case is a
  // metric or identifier name (`orbit_http_requests_total`), never a random key.
  [
    /\b(orbit_[A-Za-z0-9]{4,32})_[A-Za-z0-9_-]{16,}/g,
    (match, prefix) => (/^[a-z_]+$/.test(match) ? match : `${prefix}_${REDACTED}`),
  ],
  // Bearer credentials: a digit or 20+ characters tells a token from prose ("send a Bearer token").
  [
    /\b(Bearer)\s+(?!orbit_)(?:(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,}|[A-Za-z0-9._~+/=-]{20,})/gi,
    `$1 ${REDACTED}`,
  ],
  // Provider keys: Anthropic (sk-ant-…), OpenAI (sk-…, sk-proj-…).
  [/\bsk-(?:ant-)?[A-Za-z0-9_-]{8,}/g, `sk-${REDACTED}`],
  // GitHub tokens.
  [/\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})/g, REDACTED],
  // JWTs (header.payload.signature, base64url; the header always starts with eyJ).
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // Passwords in URLs: postgres://user:PASSWORD@host.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"\\]*):[^\s@/"\\]+@/gi, `$1:${REDACTED}@`],
  // key=value in query strings, form bodies and messages: ?token=…&api_key=…
  [
    /\b((?:[a-z]+[_-]?)?(?:password|passwd|secret|token|api[_-]?key|apikey|private[_-]?key))=[^\s&"\\]+/gi,
    `$1=${REDACTED}`,
  ],
  // "password": "…" in (possibly escaped) JSON embedded in text.
  [
    /(\\?"(?:[a-z]+[_-]?)?(?:password|passwd|secret|token|api[_-]?key|apikey|private[_-]?key|authorization|cookie)\\?"\s*:\s*\\?")[^"\\]*/gi,
    `$1${REDACTED}`,
  ],
  // Header lines quoted in messages: "Authorization: …", "Cookie: …", "X-API-Key: …".
  [/\b((?:proxy-)?authorization|set-cookie|cookie|x-api-key)(\s*:\s*)[^\r\n"\\]+/gi, `$1$2${REDACTED}`],
];

/** Masks every credential-shaped substring of `text`. Idempotent; safe on serialised JSON. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of TEXT_RULES) {
    out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` with secret-named fields masked and every string passed through `redactText`. Walks plain
 * objects and arrays only (class instances such as requests are left to their serializers); bounded in depth so a
 * deep or cyclic structure cannot stall a log call.
 */
export function scrubValue(value: unknown, depth = 8): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth <= 0 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth - 1));
  if (value instanceof Error) return scrubError(value);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null && v !== '' ? REDACTED : scrubValue(v, depth - 1);
  }
  return out;
}

export interface ScrubbedError {
  type: string;
  message: string;
  stack?: string | undefined;
  code?: unknown;
  cause?: ScrubbedError | undefined;
}

/** An error as plain data with its message, stack and cause chain scrubbed. */
export function scrubError(err: Error, depth = 4): ScrubbedError {
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error && depth > 0 ? scrubError(err.cause, depth - 1) : undefined;
  return {
    type: err.name,
    message: redactText(err.message),
    stack: err.stack === undefined ? undefined : redactText(err.stack),
    ...(code === undefined ? {} : { code }),
    ...(cause ? { cause } : {}),
  };
}

/** Masks the values of secret-bearing headers; keeps their names so a reader sees they were sent. */
export function scrubHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) {
    out[k] = isSecretKey(k) ? REDACTED : typeof v === 'string' ? redactText(v) : v;
  }
  return out;
}

/**
 * The third defence, for secrets with no recognisable shape: while a request is handled, the exact credentials it
 * carried (secret headers, secret-named body fields) are remembered in an async-local set, and every log line or
 * error report produced on its behalf has those strings masked verbatim (`maskKnownSecrets`). Code that writes
 * `throw new Error(\`key ${body.apiKey} refused\`)` then still leaks nothing.
 */
const knownSecrets = new AsyncLocalStorage<Set<string>>();
/** Shorter values are too likely to be ordinary words to mask everywhere. */
const MIN_KNOWN_SECRET_LENGTH = 6;

export function runWithSecretScope<T>(fn: () => T): T {
  return knownSecrets.run(new Set(), fn);
}

export function rememberSecret(value: unknown): void {
  const store = knownSecrets.getStore();
  if (!store || typeof value !== 'string' || value.length < MIN_KNOWN_SECRET_LENGTH) return;
  store.add(value);
  // Also the form it takes inside a JSON string, in case it holds quotes or backslashes.
  const escaped = JSON.stringify(value).slice(1, -1);
  if (escaped !== value) store.add(escaped);
}

/** Remembers the credential parts of secret-bearing headers: the token after the scheme, each cookie value. */
export function rememberSecretHeaders(headers: Record<string, unknown>): void {
  for (const [name, raw] of Object.entries(headers)) {
    if (!isSecretKey(name)) continue;
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (typeof value !== 'string') continue;
      rememberSecret(value);
      const scheme = /^\S+\s+(\S+)$/.exec(value);
      if (scheme) rememberSecret(scheme[1]);
      if (name.toLowerCase().includes('cookie')) {
        for (const pair of value.split(';')) rememberSecret(pair.split('=').slice(1).join('=').split(';')[0]?.trim());
      }
    }
  }
}

/** Remembers string values of secret-named fields anywhere in a parsed body. */
export function rememberSecretFields(value: unknown, depth = 8): void {
  if (depth <= 0 || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const v of value) rememberSecretFields(v, depth - 1);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (isSecretKey(k) && typeof v === 'string') rememberSecret(v);
    else rememberSecretFields(v, depth - 1);
  }
}

/** The credentials remembered for the current request, if any. */
export function currentKnownSecrets(): ReadonlySet<string> | undefined {
  const store = knownSecrets.getStore();
  return store && store.size > 0 ? store : undefined;
}

/** Masks every occurrence of the given (or the current request's) remembered credentials. */
export function maskKnownSecrets(text: string, secrets = currentKnownSecrets()): string {
  if (!secrets) return text;
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}
