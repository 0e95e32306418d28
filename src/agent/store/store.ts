import { and, desc, eq } from 'drizzle-orm';
import type { Database } from '../../platform/db/client.ts';
import {
  agentPullRequests,
  agentWorkspaceCleanups,
  agentWorkspaces,
  forgeCredentials,
  webhookDeliveries,
} from '../../platform/db/schema.ts';
import { newId } from '../../platform/ids.ts';
import { decrypt, encrypt } from '../../platform/secrets.ts';

export type PullRequestStatus = 'open' | 'draft' | 'merged' | 'closed' | 'pushed';
export type ForgeKind = 'github' | 'git';

export interface PullRequestRecord {
  id: string;
  runId: string;
  forge: ForgeKind;
  repository: string;
  number: number | null;
  url: string | null;
  headBranch: string;
  baseBranch: string;
  status: PullRequestStatus;
  title: string;
  draftReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewPullRequest = Omit<PullRequestRecord, 'id' | 'createdAt' | 'updatedAt'>;

function toPullRequest(row: typeof agentPullRequests.$inferSelect): PullRequestRecord {
  return { ...row, forge: row.forge as ForgeKind, status: row.status as PullRequestStatus };
}

export async function getPullRequestByRun(database: Database, runId: string): Promise<PullRequestRecord | undefined> {
  const [row] = await database.db.select().from(agentPullRequests).where(eq(agentPullRequests.runId, runId));
  return row ? toPullRequest(row) : undefined;
}

export async function findPullRequestByHead(
  database: Database,
  repository: string,
  headBranch: string,
): Promise<PullRequestRecord | undefined> {
  const [row] = await database.db
    .select()
    .from(agentPullRequests)
    .where(and(eq(agentPullRequests.repository, repository), eq(agentPullRequests.headBranch, headBranch)))
    .orderBy(desc(agentPullRequests.createdAt))
    .limit(1);
  return row ? toPullRequest(row) : undefined;
}

/** Sets the status of the recorded pull request `number` of `repository` (GitHub told us it changed); rows updated. */
export async function setPullRequestStatus(
  database: Database,
  repository: string,
  number: number,
  status: PullRequestStatus,
): Promise<number> {
  const rows = await database.db
    .update(agentPullRequests)
    .set({ status, updatedAt: new Date() })
    .where(and(eq(agentPullRequests.repository, repository), eq(agentPullRequests.number, number)))
    .returning({ id: agentPullRequests.id });
  return rows.length;
}

/** Inserts or updates the one record of `runId` (run_id is unique), returning the stored row. */
export async function upsertPullRequest(database: Database, pr: NewPullRequest): Promise<PullRequestRecord> {
  const now = new Date();
  const [row] = await database.db
    .insert(agentPullRequests)
    .values({ ...pr, id: newId(), createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: agentPullRequests.runId,
      set: {
        forge: pr.forge,
        repository: pr.repository,
        number: pr.number,
        url: pr.url,
        headBranch: pr.headBranch,
        baseBranch: pr.baseBranch,
        status: pr.status,
        title: pr.title,
        draftReason: pr.draftReason,
        updatedAt: now,
      },
    })
    .returning();
  if (!row) throw new Error('upsert of agent_pull_requests returned no row');
  return toPullRequest(row);
}

export interface WorkspaceRecord {
  runId: string;
  path: string;
  repository: string;
  branch: string;
  createdAt: Date;
  finishedAt: Date | null;
  removedAt: Date | null;
}

export async function recordWorkspace(
  database: Database,
  w: { runId: string; path: string; repository: string; branch: string },
): Promise<void> {
  await database.db
    .insert(agentWorkspaces)
    .values(w)
    .onConflictDoUpdate({
      target: agentWorkspaces.runId,
      set: { path: w.path, repository: w.repository, branch: w.branch },
    });
}

export async function getWorkspace(database: Database, runId: string): Promise<WorkspaceRecord | undefined> {
  const [row] = await database.db.select().from(agentWorkspaces).where(eq(agentWorkspaces.runId, runId));
  return row;
}

export async function listWorkspaces(
  database: Database,
  o: { includeRemoved?: boolean } = {},
): Promise<WorkspaceRecord[]> {
  const rows = await database.db.select().from(agentWorkspaces).orderBy(agentWorkspaces.createdAt);
  return o.includeRemoved ? rows : rows.filter((r) => r.removedAt === null);
}

export async function markWorkspaceFinished(database: Database, runId: string, at = new Date()): Promise<void> {
  await database.db.update(agentWorkspaces).set({ finishedAt: at }).where(eq(agentWorkspaces.runId, runId));
}

export async function markWorkspaceRemoved(database: Database, runId: string, at = new Date()): Promise<void> {
  await database.db.update(agentWorkspaces).set({ removedAt: at }).where(eq(agentWorkspaces.runId, runId));
}

export type CleanupReason = 'expired' | 'low-disk' | 'manual';
export type CleanupOutcome = 'removed' | 'busy' | 'failed' | 'skipped-active';
export interface CleanupRow {
  id: string;
  runId: string;
  path: string;
  reason: CleanupReason;
  outcome: CleanupOutcome;
  bytesFreed: number;
  detail: string | null;
  at: Date;
}

export async function recordCleanup(
  database: Database,
  c: Omit<CleanupRow, 'id' | 'at' | 'detail'> & { detail?: string | null; at?: Date },
): Promise<CleanupRow> {
  const [row] = await database.db
    .insert(agentWorkspaceCleanups)
    .values({ ...c, id: newId(), detail: c.detail ?? null, at: c.at ?? new Date() })
    .returning();
  if (!row) throw new Error('insert into agent_workspace_cleanups returned no row');
  return { ...row, reason: row.reason as CleanupReason, outcome: row.outcome as CleanupOutcome };
}

export async function listCleanups(database: Database, runId?: string): Promise<CleanupRow[]> {
  const q = database.db.select().from(agentWorkspaceCleanups);
  const rows = await (runId ? q.where(eq(agentWorkspaceCleanups.runId, runId)) : q).orderBy(agentWorkspaceCleanups.at);
  return rows.map((row) => ({ ...row, reason: row.reason as CleanupReason, outcome: row.outcome as CleanupOutcome }));
}

/** A stored forge credential without its token: the token is only ever returned by `readForgeToken`. */
export interface ForgeCredential {
  id: string;
  forge: string;
  name: string;
  owner: string;
  scopes: string | null;
  createdAt: Date;
}

/** Stores `token` encrypted (AES-256-GCM, the row id bound as associated data); the plaintext is never stored. */
export async function saveForgeCredential(
  database: Database,
  key: Buffer,
  c: { forge: string; name: string; owner: string; token: string; scopes?: string | null },
): Promise<ForgeCredential> {
  const id = newId();
  const [row] = await database.db
    .insert(forgeCredentials)
    .values({
      id,
      forge: c.forge,
      name: c.name,
      owner: c.owner,
      scopes: c.scopes ?? null,
      tokenEncrypted: encrypt(key, c.token, `forge_credentials:${id}`),
    })
    .returning();
  if (!row) throw new Error('insert into forge_credentials returned no row');
  const { tokenEncrypted: _omit, ...rest } = row;
  return rest;
}

export async function listForgeCredentials(database: Database): Promise<ForgeCredential[]> {
  return database.db
    .select({
      id: forgeCredentials.id,
      forge: forgeCredentials.forge,
      name: forgeCredentials.name,
      owner: forgeCredentials.owner,
      scopes: forgeCredentials.scopes,
      createdAt: forgeCredentials.createdAt,
    })
    .from(forgeCredentials)
    .orderBy(forgeCredentials.createdAt);
}

export async function readForgeToken(database: Database, key: Buffer, id: string): Promise<string | undefined> {
  const [row] = await database.db
    .select({ tokenEncrypted: forgeCredentials.tokenEncrypted })
    .from(forgeCredentials)
    .where(eq(forgeCredentials.id, id));
  return row ? decrypt(key, row.tokenEncrypted, `forge_credentials:${id}`) : undefined;
}

export async function deleteForgeCredential(database: Database, id: string): Promise<boolean> {
  const rows = await database.db.delete(forgeCredentials).where(eq(forgeCredentials.id, id)).returning();
  return rows.length > 0;
}

/**
 * Records a webhook delivery; returns false when the id was already seen (a replay). The primary key decides, so two
 * concurrent deliveries with one id cannot both pass.
 */
export async function claimWebhookDelivery(
  database: Database,
  d: { deliveryId: string; event: string; action: string | null },
): Promise<boolean> {
  const rows = await database.db
    .insert(webhookDeliveries)
    .values(d)
    .onConflictDoNothing({ target: webhookDeliveries.deliveryId })
    .returning({ id: webhookDeliveries.deliveryId });
  return rows.length === 1;
}

export async function setWebhookDeliveryRun(database: Database, deliveryId: string, runId: string): Promise<void> {
  await database.db.update(webhookDeliveries).set({ runId }).where(eq(webhookDeliveries.deliveryId, deliveryId));
}

export async function getWebhookDelivery(
  database: Database,
  deliveryId: string,
): Promise<typeof webhookDeliveries.$inferSelect | undefined> {
  const [row] = await database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.deliveryId, deliveryId));
  return row;
}

/** Forgets a delivery (its handling failed), so GitHub's redelivery — same delivery id — is processed. */
export async function releaseWebhookDelivery(database: Database, deliveryId: string): Promise<void> {
  await database.db.delete(webhookDeliveries).where(eq(webhookDeliveries.deliveryId, deliveryId));
}
