import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)),
});

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Everything a user starts is a run. `event_seq` is the last event number handed out: it keeps events gapless. */
export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    status: text('status').notNull(),
    input: jsonb('input').notNull(),
    output: jsonb('output'),
    error: jsonb('error'),
    owner: text('owner').notNull(),
    idempotencyKey: text('idempotency_key'),
    attempt: integer('attempt').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(1),
    eventSeq: integer('event_seq').notNull().default(0),
    workerId: text('worker_id'),
    heartbeatAt: ts('heartbeat_at'),
    cancelRequestedAt: ts('cancel_requested_at'),
    usage: jsonb('usage').notNull().default(sql`'{}'::jsonb`),
    createdAt: ts('created_at').notNull().defaultNow(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('runs_kind_status_idx').on(t.kind, t.status, t.id),
    index('runs_status_heartbeat_idx').on(t.status, t.heartbeatAt),
    uniqueIndex('runs_owner_idempotency_idx').on(t.owner, t.idempotencyKey),
  ],
);

export const runEvents = pgTable(
  'run_events',
  {
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    data: jsonb('data').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.seq] })],
);

export const runArtifacts = pgTable(
  'run_artifacts',
  {
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    data: bytea('data').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.name] })],
);

/** API keys: only a SHA-256 of the secret is stored; `prefix` is the public part users recognise. */
export const apiKeys = pgTable('api_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  prefix: text('prefix').notNull().unique(),
  secretHash: text('secret_hash').notNull(),
  role: text('role').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  lastUsedAt: ts('last_used_at'),
  revokedAt: ts('revoked_at'),
});

/** One row per LLM call: the usage ledger. Cost is integer micro-dollars; `unpriced` when the model has no price. */
export const llmCalls = pgTable(
  'llm_calls',
  {
    id: text('id').primaryKey(),
    runId: text('run_id').references(() => runs.id, { onDelete: 'set null' }),
    runKind: text('run_kind'),
    apiKeyId: text('api_key_id'),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    cachedInputTokens: integer('cached_input_tokens').notNull().default(0),
    cacheWriteTokens: integer('cache_write_tokens').notNull().default(0),
    costMicros: bigint('cost_micros', { mode: 'number' }),
    unpriced: boolean('unpriced').notNull().default(false),
    latencyMs: integer('latency_ms').notNull(),
    outcome: text('outcome').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('llm_calls_run_idx').on(t.runId), index('llm_calls_created_idx').on(t.createdAt)],
);

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * Example workflows the workflow generator learns from (shipped examples and users' own), searchable with
 * PostgreSQL full-text search: the `search` column is computed by the database from the text fields.
 */
export const knowledgeWorkflows = pgTable(
  'knowledge_workflows',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description').notNull(),
    mode: text('mode').notNull(),
    nodeTypes: jsonb('node_types').$type<string[]>().notNull(),
    patterns: jsonb('patterns').$type<string[]>().notNull(),
    dsl: text('dsl').notNull(),
    /** `builtin:<path>` for shipped examples, `user` for added ones. */
    source: text('source').notNull(),
    licence: text('licence'),
    contentHash: text('content_hash').notNull().unique(),
    searchText: text('search_text').notNull(),
    search: tsvector('search')
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector('english', coalesce(name, '')), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B') || setweight(to_tsvector('english', coalesce(search_text, '')), 'C')`,
      ),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('knowledge_workflows_search_idx').using('gin', t.search)],
);

// ---- Agent (issue #9) ----

/** One pull request (or pushed branch, for a plain git remote) per agent run. */
export const agentPullRequests = pgTable(
  'agent_pull_requests',
  {
    id: text('id').primaryKey(),
    runId: text('run_id').notNull().unique(),
    /** 'github' | 'git' */
    forge: text('forge').notNull(),
    /** `owner/name` on GitHub, else the remote URL or path. */
    repository: text('repository').notNull(),
    number: integer('number'),
    url: text('url'),
    headBranch: text('head_branch').notNull(),
    baseBranch: text('base_branch').notNull(),
    /** 'open' | 'draft' | 'merged' | 'closed' | 'pushed' */
    status: text('status').notNull(),
    title: text('title').notNull(),
    draftReason: text('draft_reason'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('agent_pull_requests_head_idx').on(t.repository, t.headBranch)],
);

/** The working copy of one agent run. */
export const agentWorkspaces = pgTable('agent_workspaces', {
  runId: text('run_id').primaryKey(),
  path: text('path').notNull(),
  repository: text('repository').notNull(),
  branch: text('branch').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  finishedAt: ts('finished_at'),
  removedAt: ts('removed_at'),
});

/** What each workspace cleanup pass did. */
export const agentWorkspaceCleanups = pgTable(
  'agent_workspace_cleanups',
  {
    id: text('id').primaryKey(),
    runId: text('run_id').notNull(),
    path: text('path').notNull(),
    /** 'expired' | 'low-disk' | 'manual' */
    reason: text('reason').notNull(),
    /** 'removed' | 'busy' | 'failed' | 'skipped-active' */
    outcome: text('outcome').notNull(),
    bytesFreed: bigint('bytes_freed', { mode: 'number' }).notNull().default(0),
    detail: text('detail'),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('agent_workspace_cleanups_run_idx').on(t.runId)],
);

/** Forge tokens; only AES-256-GCM ciphertext (src/platform/secrets.ts `encrypt`, the row id as context) is stored. */
export const forgeCredentials = pgTable('forge_credentials', {
  id: text('id').primaryKey(),
  forge: text('forge').notNull(),
  name: text('name').notNull(),
  owner: text('owner').notNull(),
  tokenEncrypted: text('token_encrypted').notNull(),
  scopes: text('scopes'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** Webhook deliveries seen, by `X-GitHub-Delivery`: a second delivery with the same id is a replay. */
export const webhookDeliveries = pgTable('webhook_deliveries', {
  deliveryId: text('delivery_id').primaryKey(),
  event: text('event').notNull(),
  action: text('action'),
  receivedAt: ts('received_at').notNull().defaultNow(),
  runId: text('run_id'),
});
