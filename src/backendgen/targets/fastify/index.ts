/**
 * The `fastify` target: a Fastify 5 + Drizzle ORM + TypeBox project (TypeScript strict, ESM) with a hand-written,
 * byte-stable initial migration in drizzle-kit's layout, CRUD and relationship routes, and vitest tests that run
 * against a real PostgreSQL (PGlite by default). `generate` is a pure function of the plan.
 */
import { nodeGate } from '../../gate/node.ts';
import { analyze } from './analyze.ts';
import { APP_TS, CLIENT_TS, CONFIG_TS, ERRORS_TS, MIGRATE_TS, routesIndexTs, SERVER_TS } from './app-files.ts';
import type { GeneratedFile, Plan, Target } from './contract.ts';
import {
  DRIZZLE_CONFIG,
  ESLINT_CONFIG,
  GITIGNORE,
  packageJson,
  readme,
  TSCONFIG,
  VITEST_CONFIG,
} from './project-files.ts';
import { routeFile, routesTs } from './route-files.ts';
import { MIGRATION_TAG, migrationJournal, migrationSql, schemaTs } from './schema-files.ts';
import { factoriesTs, HELPERS_TS, tableTestTs } from './test-files.ts';

function fileList(plan: Plan): { path: string; purpose: string; content: () => string }[] {
  const project = analyze(plan);
  const files: { path: string; purpose: string; content: () => string }[] = [
    {
      path: 'package.json',
      purpose: 'npm package: exact dependency versions and scripts',
      content: () => packageJson(project),
    },
    { path: 'tsconfig.json', purpose: 'TypeScript strict settings', content: () => TSCONFIG },
    {
      path: 'eslint.config.js',
      purpose: 'ESLint flat config (recommended + typescript-eslint)',
      content: () => ESLINT_CONFIG,
    },
    { path: 'vitest.config.ts', purpose: 'vitest settings', content: () => VITEST_CONFIG },
    { path: 'drizzle.config.ts', purpose: 'drizzle-kit settings', content: () => DRIZZLE_CONFIG },
    { path: '.gitignore', purpose: 'files git ignores', content: () => GITIGNORE },
    { path: 'README.md', purpose: 'how to run, test and call the API (curl)', content: () => readme(project) },
    {
      path: `drizzle/${MIGRATION_TAG}.sql`,
      purpose: 'initial migration: enums, tables, constraints, foreign keys, indexes',
      content: () => migrationSql(project),
    },
    { path: 'drizzle/meta/_journal.json', purpose: 'drizzle migration journal', content: () => migrationJournal() },
    {
      path: 'src/config.ts',
      purpose: 'configuration from the environment (DATABASE_URL, HOST, PORT)',
      content: () => CONFIG_TS,
    },
    { path: 'src/db/schema.ts', purpose: 'Drizzle schema of every table', content: () => schemaTs(project) },
    {
      path: 'src/db/client.ts',
      purpose: 'database connection (PostgreSQL or PGlite) and migrations',
      content: () => CLIENT_TS,
    },
    {
      path: 'src/errors.ts',
      purpose: 'problem+json errors; database errors mapped to 409/422',
      content: () => ERRORS_TS,
    },
    { path: 'src/app.ts', purpose: 'Fastify application (validation as 422)', content: () => APP_TS(project) },
    { path: 'src/server.ts', purpose: 'entry point: migrate, then listen', content: () => SERVER_TS },
    { path: 'src/migrate.ts', purpose: 'applies pending migrations', content: () => MIGRATE_TS },
    { path: 'src/routes/index.ts', purpose: "registers every table's routes", content: () => routesIndexTs(project) },
  ];
  for (const t of project.entities) {
    files.push({
      path: routeFile(t),
      purpose: `routes of ${t.table.name}: CRUD, list, relationships`,
      content: () => routesTs(project, t),
    });
  }
  files.push(
    {
      path: 'test/helpers.ts',
      purpose: 'test database per file (PGlite or DATABASE_URL) and request helpers',
      content: () => HELPERS_TS,
    },
    { path: 'test/factories.ts', purpose: 'valid sample rows for the tests', content: () => factoriesTs(project) },
  );
  for (const t of project.entities) {
    files.push({
      path: `test/${t.table.name}.test.ts`,
      purpose: `tests of ${t.table.name}: CRUD, 404, 409, 422, foreign keys, pagination, filters, sorting, relationships`,
      content: () => tableTestTs(project, t),
    });
  }
  return files;
}

export const fastifyTarget: Target = {
  name: 'fastify',
  title: 'Fastify 5 + Drizzle ORM + TypeBox (TypeScript)',
  files(plan) {
    return fileList(plan).map(({ path, purpose }) => ({ path, purpose }));
  },
  generate(plan): GeneratedFile[] {
    return fileList(plan).map(({ path, content }) => ({ path, content: content() }));
  },
  gate(projectDir, options) {
    return nodeGate(projectDir, options);
  },
};

export default fastifyTarget;
