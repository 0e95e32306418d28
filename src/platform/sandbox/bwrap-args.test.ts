import { describe, expect, it } from 'vitest';
import { bwrapArgs, type HostLayout, prlimitArgs } from './bwrap-args.ts';
import type { NormalizedOptions } from './options.ts';

const layout: HostLayout = {
  rootEntries: [{ path: '/bin', symlinkTo: 'usr/bin' }, { path: '/lib64' }],
  prlimit: '/usr/bin/prlimit',
  sandboxUid: 1000,
  sandboxGid: 1000,
  canDisableUserns: true,
  canSizeTmpfs: true,
};

function options(overrides: Partial<NormalizedOptions> = {}): NormalizedOptions {
  return {
    command: 'npm',
    args: ['test'],
    cwd: '/work/repo/pkg',
    workspace: '/work/repo',
    readOnly: [],
    writable: [],
    env: {},
    timeoutMs: 1000,
    memoryBytes: 1024,
    cpuSeconds: 7,
    maxProcesses: 64,
    maxOutputBytes: 100,
    maxFileBytes: 4096,
    stdin: undefined,
    signal: undefined,
    shareNetwork: false,
    allowHosts: [],
    ...overrides,
  };
}

/** Pairs of (flag, operands) for the mount flags, in order. */
function mounts(args: string[]): string[] {
  const out: string[] = [];
  args.forEach((a, i) => {
    if (a === '--bind' || a === '--ro-bind') out.push(`${a} ${args[i + 1]}`);
  });
  return out;
}

describe('bwrapArgs', () => {
  it('unshares every namespace, drops to an unprivileged uid without capabilities and dies with its parent', () => {
    const args = bwrapArgs(options(), layout, 'cgroup-v1');
    for (const flag of ['--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent', '--new-session']) {
      expect(args).toContain(flag);
    }
    expect(args.join(' ')).toContain('--uid 1000 --gid 1000 --cap-drop ALL');
    expect(args).not.toContain('--share-net');
  });

  it("shares the host's network (and its resolver config) only when asked for network: 'host'", () => {
    const args = bwrapArgs(options({ shareNetwork: true }), layout, 'cgroup-v1');
    expect(args.join(' ')).toContain('--unshare-all --unshare-user');
    expect(args.join(' ')).toContain('--share-net --ro-bind-try /etc/resolv.conf /etc/resolv.conf');
  });

  it('with an allow-list keeps the empty network namespace, binds the proxy socket read-only and starts the bridge', () => {
    const rules = [{ host: 'pypi.org', subdomains: false }];
    const args = bwrapArgs(options({ allowHosts: rules }), { ...layout, socat: '/usr/bin/socat' }, 'cgroup-v1', {
      proxyDir: '/tmp/orbit-net-x',
    });
    expect(args).not.toContain('--share-net');
    expect(mounts(args)).toContain('--ro-bind /tmp/orbit-net-x');
    const rest = args.slice(args.indexOf('--chdir') + 3);
    expect(rest.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(rest[2]).toContain('TCP-LISTEN:3128,bind=127.0.0.1');
    expect(rest[3]).toBe('/usr/bin/socat');
    expect(rest.slice(4, 5)).toEqual(['/usr/bin/prlimit']);
    expect(() => bwrapArgs(options(), layout, 'cgroup-v1', { proxyDir: '/tmp/x' })).toThrow(/needs socat/);
  });

  it('mounts system directories read-only, a private /tmp, and only the workspace writable', () => {
    const args = bwrapArgs(options(), layout, 'cgroup-v1');
    expect(args.join(' ')).toContain('--ro-bind /usr /usr');
    expect(args.join(' ')).toContain('--symlink usr/bin /bin');
    expect(args.join(' ')).toContain('--ro-bind-try /lib64 /lib64');
    expect(args.join(' ')).toContain('--ro-bind-try /etc/ld.so.cache /etc/ld.so.cache');
    expect(args.join(' ')).not.toContain('/etc/shadow');
    expect(args.join(' ')).toContain('--size 1024 --tmpfs /tmp');
    expect(mounts(args).filter((m) => m.startsWith('--bind '))).toEqual(['--bind /work/repo']);
    expect(args.join(' ')).toContain('--chdir /work/repo/pkg --');
  });

  it('mounts nested paths after their parents so each keeps its own mode', () => {
    const args = bwrapArgs(
      options({ readOnly: ['/work/repo/.git', '/opt'], writable: ['/var/cache/tool'] }),
      layout,
      'rlimit',
    );
    expect(mounts(args).slice(-4)).toEqual([
      '--ro-bind /opt',
      '--bind /work/repo',
      '--ro-bind /work/repo/.git',
      '--bind /var/cache/tool',
    ]);
  });

  it('leaves out --disable-userns and --size where bubblewrap is too old for them', () => {
    const args = bwrapArgs(options(), { ...layout, canDisableUserns: false, canSizeTmpfs: false }, 'cgroup-v2');
    expect(args).not.toContain('--disable-userns');
    expect(args).not.toContain('--size');
  });
});

describe('prlimitArgs', () => {
  it('sets process, CPU, file-size and core limits, then runs the command after --', () => {
    expect(prlimitArgs(options(), layout, 'cgroup-v1')).toEqual([
      '/usr/bin/prlimit',
      '--nproc=64',
      '--cpu=7:8',
      '--fsize=4096',
      '--core=0',
      '--',
      'npm',
      'test',
    ]);
  });

  it('limits the address space only when no memory cgroup is available', () => {
    expect(prlimitArgs(options(), layout, 'rlimit')).toContain('--as=1024');
    expect(prlimitArgs(options(), layout, 'cgroup-v2')).not.toContain('--as=1024');
  });
});
