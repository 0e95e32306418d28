/** What a caller asks of one sandboxed step. Paths are host paths; inside the sandbox they keep the same names. */
export interface SandboxOptions {
  command: string;
  args: string[];
  /** Working directory; must be inside `workspace`. */
  cwd: string;
  /** The only writable host tree (plus a private, memory-backed /tmp). */
  workspace: string;
  /** Extra host paths visible read-only (a tool's install directory, a virtual environment). */
  readOnly?: string[];
  /** Extra writable host paths (rare: a shared cache directory). */
  writable?: string[];
  /** The child's whole environment, on top of a minimal PATH/HOME/LANG; nothing is inherited from Orbit. */
  env?: Record<string, string>;
  /**
   * Default false: no network at all. `{ allowHosts }`: only these hosts, through a filtering proxy (`pypi.org` means
   * ports 80 and 443, `host:port` that port, `*.example.com` its subdomains; see network.ts). `'host'` shares the
   * host's network (for a tool whose job is to ask a remote service; the file system stays sandboxed).
   */
  network?: false | 'host' | { allowHosts: string[] };
  /** Wall-clock limit; the whole process tree is killed when it passes. */
  timeoutMs: number;
  /** Memory limit of the whole tree (cgroup) or of each process's address space (rlimit fallback). Default 2 GiB. */
  memoryBytes?: number;
  /** CPU seconds per process (RLIMIT_CPU). Default: the timeout rounded up to whole seconds. */
  cpuSeconds?: number;
  /** Processes and threads alive at once in the sandbox. Default 256. */
  maxProcesses?: number;
  /** Bytes kept of stdout and of stderr each; past it the step is stopped. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Largest file the step may write (RLIMIT_FSIZE). Default 1 GiB. */
  maxFileBytes?: number;
  stdin?: string;
  signal?: AbortSignal;
}

export type KilledReason = 'timeout' | 'memory' | 'cpu' | 'aborted' | 'output';

export interface SandboxResult {
  /** Exit code of the command, or null when it died of a signal. */
  exitCode: number | null;
  /** Name of the signal that ended the command (e.g. `SIGKILL`), or null. */
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  outputTruncated: boolean;
  durationMs: number;
  /** Set when the sandbox (not the command itself) ended the step. */
  killedReason?: KilledReason;
  /** With an allow-list: the destinations (`host:port`) the step reached and those it was refused. */
  network?: { allowed: string[]; blocked: string[] };
}

/** How resource limits are enforced on this machine. */
export type LimitsMode = 'cgroup-v1' | 'cgroup-v2' | 'rlimit';

export interface SandboxAvailability {
  available: boolean;
  reason?: string;
  version?: string;
  limits?: LimitsMode;
  /** socat, which steps with a network allow-list need as the bridge to Orbit's filtering proxy; absent: none. */
  networkBridge?: string;
}
