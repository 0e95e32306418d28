import { bridgeArgs, SANDBOX_PROXY_DIR } from './network.ts';
import type { NormalizedOptions } from './options.ts';
import type { LimitsMode } from './types.ts';

/** A top-level host directory such as /bin or /lib64: a symlink into /usr on merged-/usr systems, a directory elsewhere. */
export interface RootEntry {
  path: string;
  symlinkTo?: string;
}

export interface HostLayout {
  rootEntries: RootEntry[];
  /** Absolute path of prlimit; it lives under /usr or /bin, so it is visible inside the sandbox. */
  prlimit: string;
  /** uid the command has inside the sandbox; never 0, so it holds no capabilities there. */
  sandboxUid: number;
  sandboxGid: number;
  /** bubblewrap >= 0.8 can forbid nested user namespaces. */
  canDisableUserns: boolean;
  /** bubblewrap >= 0.5 can size a tmpfs. */
  canSizeTmpfs: boolean;
  /** socat under /usr or /bin, the bridge to the filtering proxy of a step with an allow-list; absent: none. */
  socat?: string;
}

/** Where a step with an allow-list finds its proxy: the host directory of the proxy's socket. */
export interface NetworkBinding {
  proxyDir: string;
}

/** The /etc files programs need to start (dynamic linker, users, TLS roots, time zone, Debian's alternatives). */
export const ETC_FILES = [
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/alternatives',
  '/etc/passwd',
  '/etc/group',
  '/etc/nsswitch.conf',
  '/etc/hosts',
  '/etc/localtime',
  '/etc/timezone',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/pki',
  '/etc/mime.types',
  '/etc/os-release',
  '/etc/debian_version',
  '/etc/python3',
  '/etc/gitconfig',
];

export const ROOT_DIRECTORIES = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

interface Bind {
  path: string;
  writable: boolean;
}

function depth(p: string): number {
  return p.split('/').filter(Boolean).length;
}

/**
 * Binds from shallow to deep, so a path nested in another (a read-only .git inside the workspace, a workspace inside a
 * read-only tree) is mounted on top of its parent and keeps its own mode.
 */
function orderedBinds(options: NormalizedOptions): Bind[] {
  const binds: Bind[] = [
    ...options.readOnly.map((p) => ({ path: p, writable: false })),
    ...options.writable.map((p) => ({ path: p, writable: true })),
    { path: options.workspace, writable: true },
  ];
  return binds
    .map((b, i) => ({ b, i }))
    .sort((x, y) => depth(x.b.path) - depth(y.b.path) || x.i - y.i)
    .map(({ b }) => b);
}

/** The in-sandbox prefix that sets per-process limits before exec'ing the command. */
export function prlimitArgs(options: NormalizedOptions, layout: HostLayout, mode: LimitsMode): string[] {
  const args = [
    layout.prlimit,
    // Counted per user namespace (Linux >= 5.14), so it bounds this sandbox only; root is exempt, hence cgroups then.
    `--nproc=${options.maxProcesses}`,
    // SIGXCPU at the soft limit, SIGKILL one second later for a process that handles SIGXCPU.
    `--cpu=${options.cpuSeconds}:${options.cpuSeconds + 1}`,
    `--fsize=${options.maxFileBytes}`,
    '--core=0',
  ];
  // Without a memory cgroup the only kernel memory bound is the address space of each process.
  if (mode === 'rlimit') args.push(`--as=${options.memoryBytes}`);
  args.push('--', options.command, ...options.args);
  return args;
}

/** bubblewrap's arguments (after the bwrap binary itself) for one step. */
export function bwrapArgs(
  options: NormalizedOptions,
  layout: HostLayout,
  mode: LimitsMode,
  network?: NetworkBinding,
): string[] {
  const args = [
    '--unshare-all', // network, pid, ipc, uts, cgroup (and user, made explicit next)
    '--unshare-user',
    // A non-zero uid in the user namespace has no capabilities: without this, root-run bwrap keeps CAP_SYS_ADMIN in
    // the sandbox and a command can remount /usr read-write (seen here; the escape suite checks it).
    '--uid',
    String(layout.sandboxUid),
    '--gid',
    String(layout.sandboxGid),
    '--cap-drop',
    'ALL',
  ];
  if (options.shareNetwork) args.push('--share-net', '--ro-bind-try', '/etc/resolv.conf', '/etc/resolv.conf');
  if (layout.canDisableUserns) args.push('--disable-userns');
  args.push('--die-with-parent', '--new-session', '--hostname', 'orbit-sandbox', '--ro-bind', '/usr', '/usr');
  for (const entry of layout.rootEntries) {
    if (entry.symlinkTo !== undefined) args.push('--symlink', entry.symlinkTo, entry.path);
    else args.push('--ro-bind-try', entry.path, entry.path);
  }
  for (const file of ETC_FILES) args.push('--ro-bind-try', file, file);
  args.push('--proc', '/proc', '--dev', '/dev');
  // Private /tmp and /dev/shm live in memory: bounded by the tmpfs size, and charged to the memory cgroup if any.
  const tmpfsSize = layout.canSizeTmpfs ? ['--size', String(options.memoryBytes)] : [];
  args.push(...tmpfsSize, '--tmpfs', '/tmp', ...tmpfsSize, '--tmpfs', '/dev/shm');
  for (const bind of orderedBinds(options)) {
    args.push(bind.writable ? '--bind' : '--ro-bind', bind.path, bind.path);
  }
  const bridge: string[] = [];
  if (network) {
    if (!layout.socat) throw new Error('bwrapArgs: a network binding needs socat in the host layout');
    args.push('--ro-bind', network.proxyDir, SANDBOX_PROXY_DIR);
    bridge.push(...bridgeArgs(layout.socat));
  }
  args.push('--chdir', options.cwd, '--', ...bridge, ...prlimitArgs(options, layout, mode));
  return args;
}
