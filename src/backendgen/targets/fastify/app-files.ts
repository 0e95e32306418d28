import type { ProjectInfo } from './analyze.ts';
import { pluginName, routeFile } from './route-files.ts';
import { tsString } from './text.ts';

export const CONFIG_TS = `// Configuration from the environment, checked at startup: a bad value stops the process with a message naming it.
export interface Config {
  /** postgres://… or postgresql://… for a PostgreSQL server; pglite://DIR for embedded PGlite in DIR; memory:// for an in-memory PGlite. */
  databaseUrl: string;
  host: string;
  port: number;
}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const databaseUrl = env.DATABASE_URL ?? 'pglite://.pglite';
  if (!/^(postgres|postgresql):\\/\\//.test(databaseUrl) && !databaseUrl.startsWith('pglite://') && databaseUrl !== 'memory://') {
    throw new Error('DATABASE_URL must start with postgres://, postgresql:// or pglite://, or be memory://');
  }
  const port = Number(env.PORT ?? '3000');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(\`PORT must be an integer from 0 to 65535, got "\${env.PORT}"\`);
  }
  return { databaseUrl, host: env.HOST ?? '127.0.0.1', port };
}
`;

export const CLIENT_TS = `// One Drizzle database for both engines: PostgreSQL (node-postgres) or PGlite (Postgres compiled to WebAssembly).
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import * as schema from './schema.ts';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Connection {
  db: Database;
  /** Applies the checked-in migrations in drizzle/ that this database has not seen yet. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

export async function connect(databaseUrl: string): Promise<Connection> {
  if (/^(postgres|postgresql):\\/\\//.test(databaseUrl)) {
    const pool = new pg.Pool({ connectionString: databaseUrl });
    const db = drizzleNodePg(pool, { schema });
    return {
      db: db as unknown as Database,
      migrate: () => migrateNodePg(db, { migrationsFolder }),
      close: () => pool.end(),
    };
  }
  const dataDir = databaseUrl === 'memory://' ? undefined : databaseUrl.slice('pglite://'.length);
  const client = await PGlite.create(dataDir);
  const db = drizzlePglite(client, { schema });
  return {
    db: db as unknown as Database,
    migrate: () => migratePglite(db, { migrationsFolder }),
    close: () => client.close(),
  };
}
`;

export const ERRORS_TS = `// Errors as RFC 9457 problem details. Status codes: 404 missing row, 409 unique violation (and a delete that a
// restricting foreign key blocks), 422 invalid input (schema validation, a declared check, a foreign key that points
// at no row, a value the column cannot hold).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
  ) {
    super(detail);
  }
}

export function notFound(table: string, id: unknown): HttpProblem {
  return new HttpProblem(404, 'Not Found', \`No row of \${table} with id \${String(id)} exists.\`);
}

interface DatabaseError {
  code: string;
  constraint?: string;
}

/** The PostgreSQL error behind an error (Drizzle wraps driver errors in \`cause\`), if it is one. */
function databaseError(error: unknown): DatabaseError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code: unknown = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && /^(22|23)/.test(code)) return current as DatabaseError;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function send(reply: FastifyReply, status: number, title: string, detail: string, extra: Record<string, unknown> = {}) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title, status, detail, instance: reply.request.url, ...extra });
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HttpProblem) return send(reply, error.status, error.title, error.message);
  if (error.validation) {
    const errors = error.validation.map((issue) => ({
      pointer: \`/\${error.validationContext ?? 'body'}\${issue.instancePath}\`,
      message: issue.message ?? 'is invalid',
    }));
    return send(reply, 422, 'Unprocessable Content', error.message, { errors });
  }
  const db = databaseError(error);
  if (db?.code === '23505') {
    return send(reply, 409, 'Conflict', \`A row with the same unique value exists already (\${db.constraint ?? 'unique'}).\`);
  }
  if (db?.code === '23503') {
    return request.method === 'DELETE'
      ? send(reply, 409, 'Conflict', \`Other rows still reference this row (\${db.constraint ?? 'foreign key'}).\`)
      : send(reply, 422, 'Unprocessable Content', \`A reference points at no row (\${db.constraint ?? 'foreign key'}).\`);
  }
  if (db) return send(reply, 422, 'Unprocessable Content', \`The database refused a value (\${db.constraint ?? db.code}).\`);
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return send(reply, status, error.code ?? 'Bad Request', error.message);
  request.log.error(error);
  return send(reply, 500, 'Internal Server Error', 'An unexpected error occurred.');
}
`;

export const APP_TS = (
  project: ProjectInfo,
) => `// The Fastify application: TypeBox schemas validate every request (invalid input is 422), routes per table.
import { type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import Fastify from 'fastify';
import type { Database } from './db/client.ts';
import { errorHandler } from './errors.ts';
import { registerRoutes } from './routes/index.ts';

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

// Bodies are validated as sent (no coercion: "5" is not an integer, null is not 0); path and query strings are text,
// so their values are coerced to the declared types.
const bodyAjv = addFormats(new Ajv({ coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: false }));
const textAjv = addFormats(new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false }));

export function buildApp(options: { db: Database; logger?: boolean }) {
  const app = Fastify({ logger: options.logger ?? false }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema));
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).type('application/problem+json').send({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: \`No route \${request.method} \${request.url}.\`,
    }),
  );
  app.get('/health', async () => ({ status: 'ok', service: ${tsString(project.packageName)} }));
  registerRoutes(app, options.db);
  return app;
}

export type App = ReturnType<typeof buildApp>;
`;

export function routesIndexTs(project: ProjectInfo): string {
  const lines = [
    '// Registers the routes of every table.',
    `import type { FastifyInstance } from 'fastify';`,
    `import type { Database } from '../db/client.ts';`,
  ];
  const imports = project.entities
    .map((t) => ({ name: pluginName(t), file: `./${routeFile(t).slice('src/routes/'.length)}` }))
    .sort((a, b) => (a.file < b.file ? -1 : 1));
  for (const i of imports) lines.push(`import { ${i.name} } from ${tsString(i.file)};`);
  lines.push('', 'export function registerRoutes(app: FastifyInstance, db: Database): void {');
  for (const t of project.entities) lines.push(`  app.register(${pluginName(t)}, { db });`);
  lines.push('}', '');
  return lines.join('\n');
}

export const SERVER_TS = `// Starts the API: applies pending migrations, then listens on HOST:PORT.
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { connect } from './db/client.ts';

const config = loadConfig(process.env);
const connection = await connect(config.databaseUrl);
await connection.migrate();
const app = buildApp({ db: connection.db, logger: true });

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app
      .close()
      .then(() => connection.close())
      .finally(() => process.exit(0));
  });
}

await app.listen({ host: config.host, port: config.port });
`;

export const MIGRATE_TS = `// Applies pending migrations from drizzle/ to DATABASE_URL and exits.
import { loadConfig } from './config.ts';
import { connect } from './db/client.ts';

const config = loadConfig(process.env);
const connection = await connect(config.databaseUrl);
await connection.migrate();
await connection.close();
console.log('migrations applied');
`;
