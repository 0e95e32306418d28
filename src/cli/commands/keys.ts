import { Command, Option } from 'commander';
import { openConfiguredDatabase } from '../../orbit.ts';
import { type ApiKeyInfo, ApiKeyStore, type Role } from '../../platform/auth/index.ts';
import type { Config } from '../../platform/config.ts';
import { DatabaseLockedError } from '../../platform/db/client.ts';
import { ApiClient } from '../client.ts';
import { CliError, type Output } from '../output.ts';
import { action } from '../run.ts';

/**
 * Key management works on the database directly, so the first admin key can be made on the server's machine
 * before anyone can call the API.
 */
interface KeyOps {
  create(input: { name: string; role: Role }): Promise<{ key: ApiKeyInfo; secret: string }>;
  list(): Promise<ApiKeyInfo[]>;
  revoke(idOrPrefix: string): Promise<ApiKeyInfo | undefined>;
}

/**
 * Key management works on the database directly, so the first admin key can be made before anyone can call the
 * API. While a local server holds the embedded database, the same operations go through its /v1/keys API instead.
 */
async function withKeys<T>(config: Config, out: Output, fn: (keys: KeyOps) => Promise<T>): Promise<T> {
  let database: Awaited<ReturnType<typeof openConfiguredDatabase>>;
  try {
    database = await openConfiguredDatabase(config);
  } catch (err) {
    if (!(err instanceof DatabaseLockedError)) throw err;
    out.info(
      `(the embedded database is held by the running server, pid ${err.holderPid}: using its API at ${config.serverUrl})`,
    );
    return fn(apiKeyOps(ApiClient.fromConfig(config)));
  }
  try {
    return await fn(new ApiKeyStore(database));
  } finally {
    await database.close();
  }
}

function apiKeyOps(client: ApiClient): KeyOps {
  return {
    async create(input) {
      const created = await client.request<ApiKeyInfo & { secret: string }>('POST', '/v1/keys', input);
      const { secret, ...key } = created;
      return { key, secret };
    },
    async list() {
      return (await client.request<{ keys: ApiKeyInfo[] }>('GET', '/v1/keys')).keys;
    },
    async revoke(idOrPrefix) {
      const keys = (await client.request<{ keys: ApiKeyInfo[] }>('GET', '/v1/keys')).keys;
      const key = keys.find((k) => k.id === idOrPrefix || k.prefix === idOrPrefix);
      if (!key)
        throw new CliError(`No API key has the id or prefix "${idOrPrefix}"; see them with \`orbit keys list\`.`);
      await client.request('DELETE', `/v1/keys/${key.id}`);
      return key;
    },
  };
}

export function keysCommand(): Command {
  const keys = new Command('keys')
    .description('Create, list and revoke API keys (on the server machine; works on the database directly).')
    .addHelpText(
      'after',
      `
Roles: admin (everything, incl. keys), member (start and cancel runs), viewer (read only).
With the embedded database, run these while the server is stopped, or manage keys over the API (/v1/keys).

Examples:
  $ orbit keys create --name ci --role member
  $ orbit keys list
  $ orbit keys revoke ab12cd34`,
    );

  keys
    .command('create')
    .description('Create a key. Its secret is printed once: store it now.')
    .requiredOption('--name <name>', 'what the key is for, e.g. "ci" or "alice"')
    .addOption(new Option('--role <role>', 'what it may do').choices(['admin', 'member', 'viewer']).default('member'))
    .action(
      action(async ({ out, config }, opts: { name: string; role: 'admin' | 'member' | 'viewer' }) => {
        if (!opts.name.trim()) throw new CliError('--name must not be empty', 2);
        const created = await withKeys(config, out, (store) => store.create({ name: opts.name, role: opts.role }));
        out.result(
          { ...created.key, secret: created.secret },
          `Created ${opts.role} key "${created.key.name}" (${created.key.prefix}).\n\n  ${created.secret}\n\nThis secret is shown once. Use it as: Authorization: Bearer <secret>  (or ORBIT_API_KEY for the CLI)`,
        );
        return 0;
      }),
    );

  keys
    .command('list')
    .description('List keys (never their secrets).')
    .action(
      action(async ({ out, config }) => {
        const list = await withKeys(config, out, (store) => store.list());
        const human = list.length
          ? list
              .map(
                (k) =>
                  `${k.prefix.padEnd(12)} ${k.role.padEnd(7)} ${k.name.padEnd(20)} created ${String(k.createdAt).slice(0, 10)}${k.revokedAt ? '  REVOKED' : ''}`,
              )
              .join('\n')
          : 'No keys yet. Create the first admin key with: orbit keys create --name admin --role admin';
        out.result(list, human);
        return 0;
      }),
    );

  keys
    .command('revoke')
    .description('Revoke a key by id or prefix; requests with it fail from now on.')
    .argument('<idOrPrefix>', 'key id or its prefix')
    .action(
      action(async ({ out, config }, idOrPrefix: string) => {
        const revoked = await withKeys(config, out, (store) => store.revoke(idOrPrefix));
        out.result(revoked, `Revoked key ${idOrPrefix}.`);
        return 0;
      }),
    );
  return keys;
}
