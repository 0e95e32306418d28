import fs from 'node:fs';
import path from 'node:path';
import { type ToolEnvironment, venvOf } from './descriptor.ts';

function executable(file: string): string | undefined {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

/** A console script of the managed Python venv (or of the isolated venv `venv`). */
export function inVenv(name: string, venv?: string): (env: ToolEnvironment) => string | undefined {
  return (env) => executable(path.join(venvOf({ venv }, env), 'bin', name));
}

/** A bin of the managed npm prefix, `$ORBIT_HOME/tools/node` (Orbit's own dependencies stay untouched). */
export function inNodeModules(name: string): (env: ToolEnvironment) => string | undefined {
  return (env) => executable(path.join(env.nodeDir, 'node_modules', '.bin', name));
}

/** A system program (apt). */
export function onSystemPath(name: string): (env: ToolEnvironment) => string | undefined {
  return (env) => {
    for (const dir of env.systemPath) {
      const found = executable(path.join(dir, name));
      if (found) return found;
    }
    return undefined;
  };
}

/** A binary `go install` put in Orbit's GOBIN. */
export function inGoBin(name: string): (env: ToolEnvironment) => string | undefined {
  return (env) => executable(path.join(env.goBinDir, name));
}

/** The first dotted version number in a tool's `--version` output. */
export function firstVersion(output: string): string | undefined {
  return /(\d+\.\d+(?:\.\d+)?)/.exec(output)?.[1];
}
