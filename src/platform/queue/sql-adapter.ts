import type { Database } from '../db/client.ts';

/** What pg-boss 10 calls through its `db` option; every caller reads `.rows` of the result. */
export interface PgBossDb {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** `BEGIN; … COMMIT;` around one script, as pg-boss's `locked()` writes its install, migration and maintenance. */
const EXPLICIT_TRANSACTION = /^\s*BEGIN\s*;([\s\S]*?);?\s*COMMIT\s*;?\s*$/i;

/**
 * pg-boss over our `Database`, so it runs on PostgreSQL and PGlite alike.
 *
 * Parameterless scripts with several statements go through `exec` (simple protocol; PGlite's `query` accepts one
 * statement only). Their `BEGIN … COMMIT` envelope is removed: a multi-statement simple query is already one
 * implicit transaction (the advisory lock and `SET LOCAL` still last to its end), and unlike an explicit block an
 * error in it rolls back and leaves the session usable. With the envelope, a failed script (for example the
 * "already exists" race when two processes install at once) left the session in "current transaction is aborted":
 * on PGlite, the only session, that stops every later query; on PostgreSQL it poisons one pooled connection.
 */
export function pgBossDb(database: Database): PgBossDb {
  return {
    async executeSql(text, values) {
      if ((!values || values.length === 0) && isMultiStatement(text)) {
        await database.exec(withoutExplicitTransaction(text));
        return { rows: [] };
      }
      return { rows: await database.query(text, values ?? []) };
    },
  };
}

/** pg-boss's single statements contain no semicolon but a trailing one; its scripts separate statements with one. */
export function isMultiStatement(text: string): boolean {
  return /;\s*\S/.test(text.trim());
}

export function withoutExplicitTransaction(text: string): string {
  const match = EXPLICIT_TRANSACTION.exec(text);
  return match?.[1] ?? text;
}
