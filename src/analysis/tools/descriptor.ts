import type { RawFinding } from '../sarif/types.ts';

/** Where Orbit's managed tools live; every descriptor finds its executable through this, never through Orbit's own PATH. */
export interface ToolEnvironment {
  /** `$ORBIT_HOME/tools`. */
  toolsDir: string;
  /** The managed Python virtual environment (`$ORBIT_HOME/tools/venv`). */
  venvDir: string;
  /** The npm prefix of the Node tools (`$ORBIT_HOME/tools/node`): `node_modules/.bin` holds them. */
  nodeDir: string;
  /** Where `go install` puts binaries for Orbit (`$ORBIT_HOME/tools/go/bin`). */
  goBinDir: string;
  /** Directories searched for system (apt) tools. */
  systemPath: string[];
}

/** One way to install a tool, with the exact command a person (or `orbit tools install`) runs. */
export type InstallRoute =
  /** `venv` names an isolated venv (`$ORBIT_HOME/tools/venvs/NAME`) for a tool whose pins clash with the others'. */
  | { kind: 'pip'; package: string; version: string; venv?: string }
  | { kind: 'npm'; package: string; version: string }
  | { kind: 'apt'; package: string }
  | { kind: 'go'; module: string; version: string };

/** What `argv` is given: the files are repo-relative POSIX paths and the tool runs with the repository as its CWD. */
export interface ArgvContext {
  files: string[];
  repoRoot: string;
  /** A writable scratch directory (caches, report files). */
  scratchDir: string;
  /** The first of the tool's `ownConfigFiles` present in the repository root. */
  ownConfig?: string;
  /** Set when the repository has none of the tool's own configs and the tool ships a default (`defaultConfig`). */
  configFile?: string;
}

export interface ToolOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
  repoRoot: string;
  /** The files the tool was given (repo-relative), for reports that only name files. */
  files: string[];
}

/** Thrown by a parser when the output is not a report of this tool (garbage, a traceback, a truncated document). */
export class ToolOutputError extends Error {
  override name = 'ToolOutputError';
}

export interface ToolDescriptor {
  name: string;
  /** Human name for tables. */
  title: string;
  languages: string[];
  /** Globs over repo-relative paths (`**` crosses directories, `{a,b}` alternatives). */
  appliesTo: string[];
  /** Files without a matching name still apply when their first line matches (shell scripts without `.sh`). */
  shebang?: RegExp;
  informationUri: string;
  /** First route is the one `orbit tools install` uses. */
  install: InstallRoute[];
  /** Absolute path of the executable, or undefined when it is not installed. */
  findExecutable(env: ToolEnvironment): string | undefined;
  /**
   * Arguments that print the version, and how to read it from stdout+stderr. `command` replaces the executable for
   * binaries that do not know their own version (a `go install` build: `go version -m BINARY`).
   */
  version: {
    args: string[];
    parse(output: string): string | undefined;
    command?: (executable: string) => { command: string; args: string[] };
  };
  /** Lays out what the tool needs in the scratch directory before it runs (e.g. the file set as a tree of links). */
  prepare?(ctx: ArgvContext): void;
  /**
   * A remote service the tool needs at run time (a vulnerability database, an API). Without one of `env` set the
   * tool is reported as not configured, with `fix`; with it, the variables are passed in and the tool runs with the
   * host's network (its file system view stays sandboxed).
   */
  service?: { env: string[]; what: string; fix: string };
  /** Host paths outside the repository the tool must read (the interpreter behind a repository's own venv). */
  extraReadOnly?(ctx: ArgvContext): string[];
  /** The command line for machine-readable output over the whole file set at once. */
  argv(ctx: ArgvContext): string[];
  /** The repository's own config files the tool honours (relative to the repository root). */
  ownConfigFiles: string[];
  /** Written to the scratch directory and passed as `configFile` when the repository has none of `ownConfigFiles`. */
  defaultConfig?: { fileName: string; content: string };
  /** Exit codes the tool documents for "ran, with or without findings". Anything else is suspect. */
  findingExitCodes: number[];
  /** Reads the report; throws ToolOutputError when there is none. Pass/fail comes from here, never the exit code alone. */
  parse(output: ToolOutput): RawFinding[];
  /** Extra environment for the run (inside the sandbox nothing is inherited). */
  env?: Record<string, string>;
  /** This tool's own time limit, over the analysis default (a slow tool may declare more). */
  timeoutMs?: number;
  /** Runtimes that reserve large address ranges need more under the rlimit fallback. */
  memoryBytes?: number;
}

/** The virtual environment a pip route installs into. */
export function venvOf(route: { venv?: string }, env: ToolEnvironment): string {
  return route.venv ? `${env.toolsDir}/venvs/${route.venv}` : env.venvDir;
}

/** The command that installs a route, exactly as a person would type it. */
export function installCommand(route: InstallRoute, env: ToolEnvironment): string {
  switch (route.kind) {
    case 'pip':
      return `${venvOf(route, env)}/bin/pip install ${route.package}==${route.version}`;
    case 'npm':
      return `npm install --prefix ${env.nodeDir} --save-exact ${route.package}@${route.version}`;
    case 'apt':
      return `apt-get install -y ${route.package}`;
    case 'go':
      return `GOBIN=${env.goBinDir} go install ${route.module}@${route.version}`;
  }
}
