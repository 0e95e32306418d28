import fs from 'node:fs';
import path from 'node:path';
import { variables } from '../../platform/config.ts';
import { type InstallRoute, type ToolEnvironment, venvOf } from '../tools/descriptor.ts';

const SYSTEM_PATH = ['/usr/local/bin', '/usr/bin', '/bin'];

/** The managed tool locations under `$ORBIT_HOME/tools` (or `home` when given). */
export function toolEnvironment(options: { home?: string } = {}): ToolEnvironment {
  const home = options.home ?? variables.home.parse(process.env.ORBIT_HOME, process.env);
  const toolsDir = path.join(home, 'tools');
  return {
    toolsDir,
    venvDir: path.join(toolsDir, 'venv'),
    nodeDir: path.join(toolsDir, 'node'),
    goBinDir: path.join(toolsDir, 'go', 'bin'),
    systemPath: SYSTEM_PATH,
  };
}

function outsideUsr(p: string): boolean {
  return !(p === '/usr' || p.startsWith('/usr/') || p.startsWith('/bin/') || p.startsWith('/lib'));
}

/**
 * Host paths a tool of this route needs to see (read-only) inside the sandbox, which shows only /usr and the
 * repository: the venv and, when the venv's interpreter lives elsewhere (pyenv), that interpreter's prefix.
 */
export function runtimePaths(route: InstallRoute, env: ToolEnvironment): string[] {
  switch (route.kind) {
    case 'pip': {
      const venv = venvOf(route, env);
      const paths = [venv];
      try {
        const python = fs.realpathSync(path.join(venv, 'bin', 'python3'));
        const prefix = path.dirname(path.dirname(python));
        if (outsideUsr(prefix)) paths.push(prefix);
      } catch {}
      return paths;
    }
    case 'npm': {
      const paths = [env.nodeDir];
      const nodePrefix = path.dirname(path.dirname(fs.realpathSync(process.execPath)));
      if (outsideUsr(nodePrefix)) paths.push(nodePrefix);
      return paths;
    }
    case 'go':
      return [env.goBinDir];
    case 'apt':
      return [];
  }
}
