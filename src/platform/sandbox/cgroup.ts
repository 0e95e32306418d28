import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * One cgroup per sandboxed step, when Orbit may create cgroups (root, or a delegated cgroup v2 subtree): pids.max bounds
 * fork bombs even for root (whom RLIMIT_NPROC does not bind), the memory limit counts the whole tree including its
 * tmpfs files, the kernel's OOM counter says when the limit killed something, and every member can be killed at the end.
 */
export interface StepCgroup {
  /** `cgroup.procs` files a process must write its pid to, to join (one per v1 hierarchy, one for v2). */
  procsFiles: string[];
  /** Processes the kernel OOM-killed in this group so far. */
  oomKills(): number;
  /** SIGKILLs every process still in the group and waits until it is empty, then removes the group. */
  destroy(): Promise<void>;
}

export interface CgroupBackend {
  mode: 'cgroup-v1' | 'cgroup-v2';
  create(limits: { maxProcesses: number; memoryBytes: number }): StepCgroup;
}

const PREFIX = 'orbit-sandbox-';
let counter = 0;

function ownCgroupPaths(): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!match) continue;
    const [, controllers = '', cgroupPath = '/'] = match;
    if (controllers === '') paths.set('', cgroupPath);
    for (const c of controllers.split(',')) if (c) paths.set(c, cgroupPath);
  }
  return paths;
}

function readNumber(file: string, key: string): number {
  try {
    const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(fs.readFileSync(file, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function pidsIn(dir: string): number[] {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function killAndRemove(dirs: string[]): Promise<void> {
  const deadline = Date.now() + 5000;
  for (const dir of dirs) {
    const killFile = path.join(dir, 'cgroup.kill');
    if (fs.existsSync(killFile)) fs.writeFileSync(killFile, '1');
  }
  for (;;) {
    const pids = dirs.flatMap(pidsIn);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    let removed = 0;
    for (const dir of dirs) {
      try {
        if (fs.existsSync(dir)) fs.rmdirSync(dir);
        removed++;
      } catch {
        // EBUSY while dying processes are still accounted to the group
      }
    }
    if (removed === dirs.length) return;
    if (Date.now() > deadline) throw new Error(`could not empty sandbox cgroup(s) ${dirs.join(', ')} within 5 s`);
    await sleep(10);
  }
}

/** Removes empty groups left by an Orbit process that died before cleaning up. */
function sweepStale(parents: string[]): void {
  for (const parent of parents) {
    let names: string[];
    try {
      names = fs.readdirSync(parent).filter((n) => n.startsWith(PREFIX));
    } catch {
      continue;
    }
    for (const name of names) {
      const owner = Number(name.slice(PREFIX.length).split('-')[0]);
      if (owner === process.pid) continue;
      try {
        process.kill(owner, 0);
      } catch {
        try {
          fs.rmdirSync(path.join(parent, name));
        } catch {
          // still busy or not ours to remove
        }
      }
    }
  }
}

function makeGroup(
  parents: string[],
  configure: (dirs: string[]) => void,
  oomFile: (dirs: string[]) => string,
): StepCgroup {
  const name = `${PREFIX}${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
  const dirs = [...new Set(parents)].map((p) => path.join(p, name));
  const made: string[] = [];
  try {
    for (const dir of dirs) {
      fs.mkdirSync(dir);
      made.push(dir);
    }
    configure(dirs);
  } catch (error) {
    for (const dir of made.reverse()) {
      try {
        fs.rmdirSync(dir);
      } catch {
        // nothing joined it yet, so this only fails if it is already gone
      }
    }
    throw error;
  }
  return {
    procsFiles: dirs.map((d) => path.join(d, 'cgroup.procs')),
    oomKills: () => readNumber(oomFile(dirs), 'oom_kill'),
    destroy: () => killAndRemove(dirs),
  };
}

function v1Backend(root: string, own: Map<string, string>): CgroupBackend | string {
  const pidsPath = own.get('pids');
  const memoryPath = own.get('memory');
  if (pidsPath === undefined || memoryPath === undefined)
    return 'the pids and memory cgroup v1 controllers are not mounted';
  const pidsParent = path.join(root, 'pids', pidsPath);
  const memoryParent = path.join(root, 'memory', memoryPath);
  sweepStale([pidsParent, memoryParent]);
  return {
    mode: 'cgroup-v1',
    create: (limits) =>
      makeGroup(
        [pidsParent, memoryParent],
        ([pids, memory]) => {
          fs.writeFileSync(path.join(pids!, 'pids.max'), String(limits.maxProcesses));
          fs.writeFileSync(path.join(memory!, 'memory.limit_in_bytes'), String(limits.memoryBytes));
          const memsw = path.join(memory!, 'memory.memsw.limit_in_bytes');
          // Memory plus swap equal to memory: a runaway cannot page out and keep growing.
          if (fs.existsSync(memsw)) fs.writeFileSync(memsw, String(limits.memoryBytes));
        },
        ([, memory]) => path.join(memory!, 'memory.oom_control'),
      ),
  };
}

function v2Backend(root: string, own: Map<string, string>): CgroupBackend | string {
  const parent = path.join(root, own.get('') ?? '/');
  sweepStale([parent]);
  return {
    mode: 'cgroup-v2',
    create: (limits) =>
      makeGroup(
        [parent],
        ([dir]) => {
          const controllers = fs.readFileSync(path.join(dir!, 'cgroup.controllers'), 'utf8').split(/\s+/);
          if (!controllers.includes('pids') || !controllers.includes('memory')) {
            throw new Error(`the pids and memory controllers are not delegated to ${parent}`);
          }
          fs.writeFileSync(path.join(dir!, 'pids.max'), String(limits.maxProcesses));
          fs.writeFileSync(path.join(dir!, 'memory.max'), String(limits.memoryBytes));
          const swap = path.join(dir!, 'memory.swap.max');
          if (fs.existsSync(swap)) fs.writeFileSync(swap, '0');
        },
        ([dir]) => path.join(dir!, 'memory.events'),
      ),
  };
}

/**
 * Finds a cgroup hierarchy where this process may create child groups with pids and memory limits, by creating and
 * removing one. Returns the reason when there is none.
 */
export async function probeCgroups(root = '/sys/fs/cgroup'): Promise<CgroupBackend | string> {
  let own: Map<string, string>;
  try {
    own = ownCgroupPaths();
  } catch (error) {
    return `cannot read /proc/self/cgroup: ${(error as Error).message}`;
  }
  const unified = fs.existsSync(path.join(root, 'cgroup.controllers'));
  const backend = unified ? v2Backend(root, own) : v1Backend(root, own);
  if (typeof backend === 'string') return backend;
  try {
    const group = backend.create({ maxProcesses: 16, memoryBytes: 64 * 1024 ** 2 });
    await group.destroy();
    return backend;
  } catch (error) {
    return `cannot create a ${backend.mode} group: ${(error as Error).message}`;
  }
}
