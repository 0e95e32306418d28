/**
 * CI's capability setup: installs the Python environment of generated FastAPI projects (the pinned lock) into
 * `$ORBIT_HOME/cache/backendgen/python/<hash>`, so the quality gate tests download nothing during `npm test`.
 * Exit 0 when the environment is ready (installed now or already there), 1 when installing failed.
 */
import { prefetchPythonEnvironment } from './python.ts';

try {
  const env = await prefetchPythonEnvironment();
  console.log(`${env.installed ? 'installed' : 'already present'}: ${env.dir}`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
