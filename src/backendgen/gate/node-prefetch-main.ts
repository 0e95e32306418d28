/**
 * Installs the fastify target's pinned dependencies into the shared cache ($ORBIT_HOME/cache/backendgen/node), so that
 * quality gates (and the tests that run them) find them without downloading. CI runs it before `npm test`:
 *   npx tsx src/backendgen/gate/node-prefetch-main.ts
 * Exit 0 when the set is cached (installed now or before), 1 when npm install failed.
 */
import { DEPENDENCIES, DEV_DEPENDENCIES } from '../targets/fastify/versions.ts';
import { ensureNodeDependencies } from './node.ts';

try {
  const result = await ensureNodeDependencies({ dependencies: DEPENDENCIES, devDependencies: DEV_DEPENDENCIES });
  console.log(
    `${result.downloaded ? 'installed' : 'already cached'}: ${result.dir} (${(result.durationMs / 1000).toFixed(1)} s)`,
  );
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
