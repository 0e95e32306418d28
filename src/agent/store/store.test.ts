import { describe, expect } from 'vitest';
import { engines, freshDatabase } from '../../../test/support/db.ts';
import { itWhen } from '../../../test/support/services.ts';
import { decrypt } from '../../platform/secrets.ts';
import {
  claimWebhookDelivery,
  findPullRequestByHead,
  getPullRequestByRun,
  listForgeCredentials,
  listWorkspaces,
  markWorkspaceRemoved,
  readForgeToken,
  recordCleanup,
  recordWorkspace,
  saveForgeCredential,
  upsertPullRequest,
} from './store.ts';

const key = Buffer.alloc(32, 7);

for (const engine of engines) {
  describe(`agent store on ${engine.name}`, () => {
    itWhen(engine.available, engine.reason)('keeps one pull request record per run', async () => {
      const database = await freshDatabase(engine.name);
      const base = {
        runId: 'run-1',
        forge: 'github' as const,
        repository: 'o/r',
        number: null,
        url: null,
        headBranch: 'orbit/abc-x',
        baseBranch: 'main',
        status: 'pushed' as const,
        title: 'T',
        draftReason: null,
      };
      const first = await upsertPullRequest(database, base);
      const second = await upsertPullRequest(database, { ...base, number: 7, url: 'u', status: 'open' });
      expect(second.id).toBe(first.id);
      expect((await getPullRequestByRun(database, 'run-1'))?.number).toBe(7);
      expect((await findPullRequestByHead(database, 'o/r', 'orbit/abc-x'))?.status).toBe('open');
    });

    itWhen(engine.available, engine.reason)('stores only ciphertext of forge tokens', async () => {
      const database = await freshDatabase(engine.name);
      const saved = await saveForgeCredential(database, key, {
        forge: 'github',
        name: 'n',
        owner: 'me',
        token: 'ghp_secret',
      });
      expect(JSON.stringify(saved)).not.toContain('ghp_secret');
      expect(JSON.stringify(await listForgeCredentials(database))).not.toContain('ghp_secret');
      const [raw] = await database.query<{ token_encrypted: string }>('select token_encrypted from forge_credentials');
      expect(raw?.token_encrypted).not.toContain('ghp_secret');
      expect(decrypt(key, raw?.token_encrypted ?? '', `forge_credentials:${saved.id}`)).toBe('ghp_secret');
      expect(await readForgeToken(database, key, saved.id)).toBe('ghp_secret');
    });

    itWhen(engine.available, engine.reason)('claims a webhook delivery once; workspaces and cleanups', async () => {
      const database = await freshDatabase(engine.name);
      expect(await claimWebhookDelivery(database, { deliveryId: 'd1', event: 'issues', action: 'labeled' })).toBe(true);
      expect(await claimWebhookDelivery(database, { deliveryId: 'd1', event: 'issues', action: 'labeled' })).toBe(
        false,
      );
      await recordWorkspace(database, { runId: 'r', path: '/p', repository: '/src', branch: 'b' });
      expect(await listWorkspaces(database)).toHaveLength(1);
      await markWorkspaceRemoved(database, 'r');
      expect(await listWorkspaces(database)).toHaveLength(0);
      const c = await recordCleanup(database, {
        runId: 'r',
        path: '/p',
        reason: 'expired',
        outcome: 'removed',
        bytesFreed: 5_000_000_000,
      });
      expect(c.bytesFreed).toBe(5_000_000_000);
    });
  });
}
