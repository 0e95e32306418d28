import os from 'node:os';
import path from 'node:path';

/**
 * Every environment variable Orbit reads, declared once. The same table validates start-up and
 * generates the README's configuration table (`orbit config --markdown`), so the two never drift.
 */
interface VariableSpec<T> {
  name: string;
  description: string;
  /** Shown in the README; `undefined` means "unset". */
  defaultText: string;
  example: string;
  secret?: boolean;
  parse(raw: string | undefined, env: NodeJS.ProcessEnv): T;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
    example: string,
  ) {
    super(`${variable}: ${problem}. Example of a valid value: ${variable}=${example}`);
    this.name = 'ConfigError';
  }
}

function spec<T>(s: VariableSpec<T>): VariableSpec<T> {
  return s;
}

function integer(name: string, example: string, def: number, min: number, max: number) {
  return (raw: string | undefined): number => {
    if (raw === undefined || raw === '') return def;
    if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(name, `"${raw}" is not a whole number`, example);
    const n = Number(raw);
    if (n < min || n > max) throw new ConfigError(name, `${n} is outside the allowed range ${min}..${max}`, example);
    return n;
  };
}

function url(name: string, example: string, protocols: string[]) {
  return (raw: string | undefined): string | undefined => {
    if (raw === undefined || raw === '') return undefined;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(name, 'is not a valid URL', example);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(
        name,
        `uses protocol "${parsed.protocol}", expected one of ${protocols.join(', ')}`,
        example,
      );
    }
    return raw;
  };
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function optionalString(raw: string | undefined): string | undefined {
  return raw === undefined || raw === '' ? undefined : raw;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const variables = {
  home: spec({
    name: 'ORBIT_HOME',
    description: 'Directory for the embedded database, workspaces and generated secrets.',
    defaultText: '`~/.orbit`',
    example: '/var/lib/orbit',
    parse: (raw, env) => path.resolve(raw && raw !== '' ? raw : path.join(env.HOME || os.homedir(), '.orbit')),
  }),
  databaseUrl: spec({
    name: 'DATABASE_URL',
    description: 'PostgreSQL connection URL. Unset: embedded PGlite under `$ORBIT_HOME/db`.',
    defaultText: 'unset (PGlite)',
    example: 'postgres://orbit:secret@localhost:5432/orbit',
    secret: true,
    parse: url('DATABASE_URL', 'postgres://orbit:secret@localhost:5432/orbit', ['postgres:', 'postgresql:']),
  }),
  redisUrl: spec({
    name: 'REDIS_URL',
    description: 'Redis URL for rate-limit counters shared between API nodes. Unset: in-memory counters.',
    defaultText: 'unset (memory)',
    example: 'redis://localhost:6379',
    secret: true,
    parse: url('REDIS_URL', 'redis://localhost:6379', ['redis:', 'rediss:']),
  }),
  host: spec({
    name: 'ORBIT_HOST',
    description: 'Address the server listens on. Anything but loopback requires API keys.',
    defaultText: '`127.0.0.1`',
    example: '0.0.0.0',
    parse: (raw) => (raw && raw !== '' ? raw : '127.0.0.1'),
  }),
  requireAuth: spec({
    name: 'ORBIT_REQUIRE_AUTH',
    description:
      'Require an API key or token even on a loopback-only server (e.g. a shared machine). Any other address always requires one.',
    defaultText: '`false`',
    example: 'true',
    parse: (raw) => {
      const v = (raw ?? '').trim().toLowerCase();
      if (v === '' || v === 'false' || v === '0' || v === 'no') return false;
      if (v === 'true' || v === '1' || v === 'yes') return true;
      throw new ConfigError('ORBIT_REQUIRE_AUTH', `"${raw}" is not true or false`, 'true');
    },
  }),
  port: spec({
    name: 'ORBIT_PORT',
    description: 'TCP port of the HTTP server (0 picks a free one).',
    defaultText: '`7070`',
    example: '8080',
    parse: integer('ORBIT_PORT', '8080', 7070, 0, 65535),
  }),
  logLevel: spec({
    name: 'ORBIT_LOG_LEVEL',
    description: `Log level: ${LOG_LEVELS.join(', ')}.`,
    defaultText: '`info`',
    example: 'debug',
    parse: (raw): LogLevel => {
      const v = raw && raw !== '' ? raw : 'info';
      if (!(LOG_LEVELS as readonly string[]).includes(v)) {
        throw new ConfigError('ORBIT_LOG_LEVEL', `"${v}" is not one of ${LOG_LEVELS.join(', ')}`, 'debug');
      }
      return v as LogLevel;
    },
  }),
  workerConcurrency: spec({
    name: 'ORBIT_WORKER_CONCURRENCY',
    description: 'Runs one worker process executes at once.',
    defaultText: 'number of CPU cores',
    example: '4',
    parse: integer('ORBIT_WORKER_CONCURRENCY', '4', Math.max(1, os.availableParallelism()), 1, 256),
  }),
  runTimeoutSeconds: spec({
    name: 'ORBIT_RUN_TIMEOUT_SECONDS',
    description: 'Default wall-time limit of one run attempt; an executor may set its own.',
    defaultText: '`3600`',
    example: '600',
    parse: integer('ORBIT_RUN_TIMEOUT_SECONDS', '600', 3600, 1, 7 * 24 * 3600),
  }),
  heartbeatSeconds: spec({
    name: 'ORBIT_HEARTBEAT_SECONDS',
    description:
      'How often a worker marks its running runs alive. A run silent for 3 intervals is recovered (retried or failed).',
    defaultText: '`10`',
    example: '5',
    parse: integer('ORBIT_HEARTBEAT_SECONDS', '5', 10, 1, 3600),
  }),
  artifactMaxBytes: spec({
    name: 'ORBIT_ARTIFACT_MAX_BYTES',
    description: 'Largest artifact stored in the database.',
    defaultText: '`26214400` (25 MiB)',
    example: '52428800',
    parse: integer('ORBIT_ARTIFACT_MAX_BYTES', '52428800', 25 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  }),
  jwtSecret: spec({
    name: 'ORBIT_JWT_SECRET',
    description: 'HS256 secret for bearer tokens (32+ characters). Unset: generated once into `$ORBIT_HOME/secrets`.',
    defaultText: 'generated',
    example: 'a-long-random-string-of-at-least-32-chars',
    secret: true,
    parse: (raw) => {
      const v = optionalString(raw);
      if (v !== undefined && v.length < 32) {
        throw new ConfigError(
          'ORBIT_JWT_SECRET',
          `is ${v.length} characters long, at least 32 are needed`,
          'a-long-random-string-of-at-least-32-chars',
        );
      }
      return v;
    },
  }),
  encryptionKey: spec({
    name: 'ORBIT_ENCRYPTION_KEY',
    description:
      'AES-256-GCM key (64 hex characters) for stored tokens. Unset: generated once into `$ORBIT_HOME/secrets`.',
    defaultText: 'generated',
    example: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    secret: true,
    parse: (raw) => {
      const v = optionalString(raw);
      if (v !== undefined && !/^[0-9a-fA-F]{64}$/.test(v)) {
        throw new ConfigError(
          'ORBIT_ENCRYPTION_KEY',
          'must be exactly 64 hexadecimal characters (32 bytes)',
          '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
        );
      }
      return v;
    },
  }),
  metricsToken: spec({
    name: 'ORBIT_METRICS_TOKEN',
    description: 'Bearer token that unlocks `/metrics` from non-loopback clients. Unset: loopback only.',
    defaultText: 'unset',
    example: 'scrape-token-123',
    secret: true,
    parse: optionalString,
  }),
  trustedProxies: spec({
    name: 'ORBIT_TRUSTED_PROXIES',
    description: 'Comma-separated proxy addresses/CIDRs whose `X-Forwarded-For` is believed.',
    defaultText: 'none',
    example: '10.0.0.1,192.168.0.0/16',
    parse: list,
  }),
  corsOrigins: spec({
    name: 'ORBIT_CORS_ORIGINS',
    description: 'Comma-separated origins allowed by CORS. Unset: no cross-origin access.',
    defaultText: 'none',
    example: 'https://orbit.example.com',
    parse: list,
  }),
  rateLimits: spec({
    name: 'ORBIT_RATE_LIMITS',
    description:
      'JSON object overriding rate-limit tiers, e.g. `{"authenticated":[{"limit":200,"windowSeconds":60}]}`.',
    defaultText: 'built-in tiers',
    example: '{"anonymous":[{"limit":10,"windowSeconds":60}]}',
    parse: (raw) => {
      const v = optionalString(raw);
      if (v === undefined) return undefined;
      try {
        const parsed: unknown = JSON.parse(v);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        return parsed as Record<string, unknown>;
      } catch {
        throw new ConfigError(
          'ORBIT_RATE_LIMITS',
          'is not a JSON object',
          '{"anonymous":[{"limit":10,"windowSeconds":60}]}',
        );
      }
    },
  }),
  analysisRoots: spec({
    name: 'ORBIT_ALLOWED_ROOTS',
    description: 'Comma-separated directories the API may read repositories from (server paths).',
    defaultText: 'none',
    example: '/srv/repos,/home/ci/checkouts',
    parse: (raw) => list(raw).map((p) => path.resolve(p)),
  }),
  serverUrl: spec({
    name: 'ORBIT_URL',
    description: 'Where CLI commands that talk to a server (`orbit runs …`, `orbit usage`) find it.',
    defaultText: '`http://127.0.0.1:7070`',
    example: 'https://orbit.example.com',
    parse: (raw) => url('ORBIT_URL', 'https://orbit.example.com', ['http:', 'https:'])(raw) ?? 'http://127.0.0.1:7070',
  }),
  apiKey: spec({
    name: 'ORBIT_API_KEY',
    description: 'API key the CLI sends to the server (not needed for a loopback-only server).',
    defaultText: 'unset',
    example: 'orbit_ab12cd34_…',
    secret: true,
    parse: optionalString,
  }),
  otelEndpoint: spec({
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    description: 'OTLP/HTTP collector base URL; set to switch OpenTelemetry tracing on.',
    defaultText: 'unset (off)',
    example: 'http://localhost:4318',
    parse: url('OTEL_EXPORTER_OTLP_ENDPOINT', 'http://localhost:4318', ['http:', 'https:']),
  }),
  sentryDsn: spec({
    name: 'SENTRY_DSN',
    description: 'Sentry DSN; set to switch error tracking on.',
    defaultText: 'unset (off)',
    example: 'https://key@o0.ingest.sentry.io/0',
    secret: true,
    parse: url('SENTRY_DSN', 'https://key@o0.ingest.sentry.io/0', ['http:', 'https:']),
  }),
  model: spec({
    name: 'ORBIT_MODEL',
    description: 'Model as `provider:name`: `anthropic:…`, `openai:…`, `openai-compatible:…`.',
    defaultText: 'unset',
    example: 'openai-compatible:qwen2.5-coder',
    parse: (raw) => {
      const v = optionalString(raw);
      if (v !== undefined && !/^(anthropic|openai|openai-compatible):\S+$/.test(v)) {
        throw new ConfigError(
          'ORBIT_MODEL',
          `"${v}" is not provider:model with provider anthropic, openai or openai-compatible`,
          'openai-compatible:qwen2.5-coder',
        );
      }
      return v;
    },
  }),
  anthropicApiKey: spec({
    name: 'ANTHROPIC_API_KEY',
    description: 'Anthropic API key.',
    defaultText: 'unset',
    example: 'sk-ant-…',
    secret: true,
    parse: optionalString,
  }),
  anthropicBaseUrl: spec({
    name: 'ANTHROPIC_BASE_URL',
    description: 'Anthropic API base URL (for proxies and the local test server).',
    defaultText: 'provider default',
    example: 'http://127.0.0.1:8787/v1',
    parse: url('ANTHROPIC_BASE_URL', 'http://127.0.0.1:8787/v1', ['http:', 'https:']),
  }),
  openaiApiKey: spec({
    name: 'OPENAI_API_KEY',
    description: 'OpenAI (or OpenAI-compatible server) API key.',
    defaultText: 'unset',
    example: 'sk-…',
    secret: true,
    parse: optionalString,
  }),
  openaiBaseUrl: spec({
    name: 'OPENAI_BASE_URL',
    description: 'Base URL of OpenAI or an OpenAI-compatible server (Ollama, llama.cpp, vLLM).',
    defaultText: 'provider default',
    example: 'http://localhost:11434/v1',
    parse: url('OPENAI_BASE_URL', 'http://localhost:11434/v1', ['http:', 'https:']),
  }),
  llmTimeoutSeconds: spec({
    name: 'ORBIT_LLM_TIMEOUT_SECONDS',
    description: 'Wall-time limit of one LLM call, retries included.',
    defaultText: '`120`',
    example: '300',
    parse: integer('ORBIT_LLM_TIMEOUT_SECONDS', '300', 120, 1, 3600),
  }),
  llmMaxRetries: spec({
    name: 'ORBIT_LLM_MAX_RETRIES',
    description: 'Retries of one LLM request after a 429, a 5xx or a network error (never after 401/403).',
    defaultText: '`3`',
    example: '5',
    parse: integer('ORBIT_LLM_MAX_RETRIES', '5', 3, 0, 10),
  }),
  llmStructuredRetries: spec({
    name: 'ORBIT_LLM_STRUCTURED_RETRIES',
    description: 'Times a structured-output answer that fails its schema is re-asked with the validation error.',
    defaultText: '`2`',
    example: '3',
    parse: integer('ORBIT_LLM_STRUCTURED_RETRIES', '3', 2, 0, 10),
  }),
  llmRunCostCapMicros: spec({
    name: 'ORBIT_LLM_RUN_COST_CAP_USD',
    description:
      'Default LLM spend cap of one run in USD (0: no cap). A run may ask for another cap up to the maximum.',
    defaultText: '`5`',
    example: '2.50',
    parse: (raw) => {
      const v = optionalString(raw)?.trim();
      if (v === undefined) return 5_000_000;
      if (!/^\d+(\.\d{1,6})?$/.test(v)) {
        throw new ConfigError(
          'ORBIT_LLM_RUN_COST_CAP_USD',
          `"${v}" is not an amount of US dollars such as 2.50`,
          '2.50',
        );
      }
      return Math.round(Number(v) * 1_000_000);
    },
  }),
  llmRunCostCapMaxMicros: spec({
    name: 'ORBIT_LLM_RUN_COST_CAP_MAX_USD',
    description: 'Highest per-run LLM spend cap in USD a run may ask for (0: unlimited).',
    defaultText: '`50`',
    example: '100',
    parse: (raw) => {
      const v = optionalString(raw)?.trim();
      if (v === undefined) return 50_000_000;
      if (!/^\d+(\.\d{1,6})?$/.test(v)) {
        throw new ConfigError(
          'ORBIT_LLM_RUN_COST_CAP_MAX_USD',
          `"${v}" is not an amount of US dollars such as 100`,
          '100',
        );
      }
      return Math.round(Number(v) * 1_000_000);
    },
  }),
  llmKeyMonthlyCapMicros: spec({
    name: 'ORBIT_LLM_KEY_MONTHLY_CAP_USD',
    description: 'LLM spend cap in USD per API key and calendar month (UTC); 0: no cap.',
    defaultText: '`0` (no cap)',
    example: '200',
    parse: (raw) => {
      const v = optionalString(raw)?.trim();
      if (v === undefined) return 0;
      if (!/^\d+(\.\d{1,6})?$/.test(v)) {
        throw new ConfigError(
          'ORBIT_LLM_KEY_MONTHLY_CAP_USD',
          `"${v}" is not an amount of US dollars such as 200`,
          '200',
        );
      }
      return Math.round(Number(v) * 1_000_000);
    },
  }),
  llmPrices: spec({
    name: 'ORBIT_LLM_PRICES',
    description:
      'JSON object of price overrides in USD per million tokens, keyed `provider:model`, e.g. `{"openai-compatible:qwen2.5-coder":{"input":0,"output":0}}`.',
    defaultText: 'built-in table',
    example: '{"openai:gpt-4o":{"input":2.5,"output":10,"cacheRead":1.25}}',
    parse: (raw) => {
      const v = optionalString(raw);
      const example = '{"openai:gpt-4o":{"input":2.5,"output":10,"cacheRead":1.25}}';
      if (v === undefined) return {};
      let parsed: unknown;
      try {
        parsed = JSON.parse(v);
      } catch {
        throw new ConfigError('ORBIT_LLM_PRICES', 'is not valid JSON', example);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new ConfigError('ORBIT_LLM_PRICES', 'is not a JSON object', example);
      }
      const out: Record<string, { input: number; output: number; cacheRead?: number; cacheWrite?: number }> = {};
      for (const [key, price] of Object.entries(parsed)) {
        if (!/^(anthropic|openai|openai-compatible):\S+$/.test(key)) {
          throw new ConfigError('ORBIT_LLM_PRICES', `key "${key}" is not provider:model`, example);
        }
        const p = price as Record<string, unknown>;
        for (const field of ['input', 'output', 'cacheRead', 'cacheWrite']) {
          const n = p?.[field];
          const required = field === 'input' || field === 'output';
          if ((required || n !== undefined) && (typeof n !== 'number' || !Number.isFinite(n) || n < 0)) {
            throw new ConfigError(
              'ORBIT_LLM_PRICES',
              `"${key}".${field} must be a non-negative number of USD per million tokens`,
              example,
            );
          }
        }
        out[key] = p as { input: number; output: number; cacheRead?: number; cacheWrite?: number };
      }
      return out;
    },
  }),
  llmTraceContent: spec({
    name: 'ORBIT_LLM_TRACE_CONTENT',
    description:
      'Set to `true` to put prompt and answer text on LLM trace spans (off: only model, tokens, finish reason).',
    defaultText: '`false`',
    example: 'true',
    parse: (raw) => {
      const v = (raw ?? '').trim().toLowerCase();
      if (v === '' || v === 'false' || v === '0') return false;
      if (v === 'true' || v === '1') return true;
      throw new ConfigError('ORBIT_LLM_TRACE_CONTENT', `"${raw}" is not true or false`, 'true');
    },
  }),
  analysisMaxRepoMb: spec({
    name: 'ORBIT_ANALYSIS_MAX_REPO_MB',
    description: 'Largest checkout an analysis clones from a git URL; a bigger one is refused and removed.',
    defaultText: '`500`',
    example: '2000',
    parse: integer('ORBIT_ANALYSIS_MAX_REPO_MB', '2000', 500, 1, 100_000),
  }),
  agentWorkspaceTtlHours: spec({
    name: 'ORBIT_AGENT_WORKSPACE_TTL_HOURS',
    description:
      'Hours after an agent run ends before the hourly cleanup removes its workspace (0: at the next pass). Never while the run is active.',
    defaultText: '`24`',
    example: '72',
    parse: integer('ORBIT_AGENT_WORKSPACE_TTL_HOURS', '72', 24, 0, 24 * 365),
  }),
  agentMinFreeDiskMb: spec({
    name: 'ORBIT_AGENT_MIN_FREE_DISK_MB',
    description:
      "Free disk space (MiB) under `$ORBIT_HOME/workspaces` below which the cleanup removes finished runs' workspaces at once, oldest first.",
    defaultText: '`1024`',
    example: '4096',
    parse: integer('ORBIT_AGENT_MIN_FREE_DISK_MB', '4096', 1024, 0, 10_000_000),
  }),
  agentMaxSteps: spec({
    name: 'ORBIT_AGENT_MAX_STEPS',
    description:
      'Model calls an agent run may make before it stops (its work so far committed and pushed); a run may ask for fewer or more with `maxSteps`.',
    defaultText: '`60`',
    example: '120',
    parse: integer('ORBIT_AGENT_MAX_STEPS', '120', 60, 1, 1000),
  }),
  agentMaxMinutes: spec({
    name: 'ORBIT_AGENT_MAX_MINUTES',
    description:
      'Working minutes an agent run may take (time spent waiting for the user not counted) before it stops with its work so far pushed.',
    defaultText: '`60`',
    example: '180',
    parse: integer('ORBIT_AGENT_MAX_MINUTES', '180', 60, 1, 24 * 60),
  }),
  githubToken: spec({
    name: 'ORBIT_GITHUB_TOKEN',
    description:
      'GitHub token the agent pushes branches and opens pull requests with (fine-grained: Contents and Pull requests read/write, Issues read/write for labels; see docs/agent-github.md). Unset: agent runs push branches only.',
    defaultText: 'unset',
    example: 'github_pat_…',
    secret: true,
    parse: optionalString,
  }),
  githubApiUrl: spec({
    name: 'ORBIT_GITHUB_API_URL',
    description: 'GitHub REST API root (GitHub Enterprise Server: `https://HOST/api/v3`).',
    defaultText: '`https://api.github.com`',
    example: 'https://github.example.com/api/v3',
    parse: (raw) =>
      url('ORBIT_GITHUB_API_URL', 'https://api.github.com', ['http:', 'https:'])(raw) ?? 'https://api.github.com',
  }),
  githubWebhookSecret: spec({
    name: 'ORBIT_GITHUB_WEBHOOK_SECRET',
    description:
      'Secret of the GitHub webhook; `POST /v1/webhooks/github` verifies `X-Hub-Signature-256` with it. Unset: the webhook route answers 503 for every delivery.',
    defaultText: 'unset (webhook off)',
    example: 'a-long-random-string',
    secret: true,
    parse: optionalString,
  }),
  agentTriggerLabel: spec({
    name: 'ORBIT_AGENT_TRIGGER_LABEL',
    description: 'Issue label that starts an agent run when a GitHub `issues` webhook reports it was added.',
    defaultText: '`orbit`',
    example: 'orbit-agent',
    parse: (raw) => optionalString(raw) ?? 'orbit',
  }),
  embeddingModel: spec({
    name: 'ORBIT_EMBEDDING_MODEL',
    description:
      'Embedding model as `openai:…` or `openai-compatible:…` (same keys and base URL as chat). Set it to rank workflow knowledge by meaning too (pgvector); unset: full-text search only.',
    defaultText: 'unset (off)',
    example: 'openai-compatible:nomic-embed-text',
    parse: (raw) => {
      const v = optionalString(raw);
      if (v !== undefined && !/^(openai|openai-compatible):\S+$/.test(v)) {
        throw new ConfigError(
          'ORBIT_EMBEDDING_MODEL',
          `"${v}" is not openai:model or openai-compatible:model`,
          'openai-compatible:nomic-embed-text',
        );
      }
      return v;
    },
  }),
};

type Variables = typeof variables;
export type Config = { [K in keyof Variables]: ReturnType<Variables[K]['parse']> };

/** Reads and validates every variable; throws a ConfigError naming the first bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(variables) as [string, VariableSpec<unknown>][]) {
    out[key] = s.parse(env[s.name], env);
  }
  return out as Config;
}

/** A Markdown table of every variable, for the README. */
export function configMarkdownTable(): string {
  const rows = Object.values(variables as Record<string, VariableSpec<unknown>>).map(
    (s) => `| \`${s.name}\` | ${s.defaultText} | ${s.description} | \`${s.example}\` |`,
  );
  return ['| variable | default | meaning | example |', '|---|---|---|---|', ...rows].join('\n');
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
