/**
 * Exact versions of the generated project's dependencies (all allow Node 20). The quality gate installs exactly these
 * into a shared cache keyed by their hash; change them together and the next gate installs a new set once.
 */
export const DEPENDENCIES: Record<string, string> = {
  '@electric-sql/pglite': '0.3.16',
  '@fastify/type-provider-typebox': '5.2.0',
  '@sinclair/typebox': '0.34.52',
  ajv: '8.17.1',
  'ajv-formats': '3.0.1',
  'drizzle-orm': '0.45.4',
  fastify: '5.12.8',
  pg: '8.23.1',
  tsx: '4.23.15',
};

export const DEV_DEPENDENCIES: Record<string, string> = {
  '@eslint/js': '9.39.5',
  '@types/node': '20.19.43',
  '@types/pg': '8.23.1',
  'drizzle-kit': '0.31.11',
  eslint: '9.39.5',
  typescript: '5.9.3',
  'typescript-eslint': '8.73.0',
  vitest: '3.2.7',
};
