import fs from 'node:fs';
import path from 'node:path';
import { type FieldError, ValidationError } from '../errors.ts';
import { type HostRule, PROXY_ENV, parseAllowHosts } from './network.ts';
import type { SandboxOptions } from './types.ts';

export const DEFAULT_MEMORY_BYTES = 2 * 1024 ** 3;
export const DEFAULT_MAX_PROCESSES = 256;
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 ** 2;
export const DEFAULT_MAX_FILE_BYTES = 1024 ** 3;
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Options with every default applied and every path resolved to its real, absolute location. */
export interface NormalizedOptions {
  command: string;
  args: string[];
  cwd: string;
  workspace: string;
  readOnly: string[];
  writable: string[];
  env: Record<string, string>;
  timeoutMs: number;
  memoryBytes: number;
  cpuSeconds: number;
  maxProcesses: number;
  maxOutputBytes: number;
  maxFileBytes: number;
  stdin: string | undefined;
  signal: AbortSignal | undefined;
  /** The host's network is shared (`network: 'host'`). */
  shareNetwork: boolean;
  /** Hosts the step may reach through the filtering proxy (`network: { allowHosts }`); empty: none. */
  allowHosts: HostRule[];
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Resolves an existing absolute path through its symlinks, so binds name what the kernel will really mount. */
function realDirectoryOrPath(
  value: unknown,
  pointer: string,
  errors: FieldError[],
  mustBeDirectory: boolean,
): string | undefined {
  if (typeof value !== 'string' || value === '') {
    errors.push({ pointer, message: 'must be a non-empty string' });
    return undefined;
  }
  if (value.includes('\0')) {
    errors.push({ pointer, message: 'must not contain a NUL byte' });
    return undefined;
  }
  if (!path.isAbsolute(value)) {
    errors.push({ pointer, message: `must be an absolute path, got "${value}"` });
    return undefined;
  }
  let real: string;
  try {
    real = fs.realpathSync(value);
  } catch {
    errors.push({ pointer, message: `does not exist: "${value}"` });
    return undefined;
  }
  if (mustBeDirectory && !fs.statSync(real).isDirectory()) {
    errors.push({ pointer, message: `must be a directory: "${value}"` });
    return undefined;
  }
  if (real === '/') {
    errors.push({ pointer, message: 'must not be the root directory: that would expose the whole host' });
    return undefined;
  }
  return real;
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function limit(value: unknown, fallback: number, pointer: string, errors: FieldError[]): number {
  if (value === undefined) return fallback;
  if (!isPositiveInteger(value)) {
    errors.push({ pointer, message: `must be a positive integer, got ${JSON.stringify(value)}` });
    return fallback;
  }
  return value;
}

function pathList(value: unknown, pointer: string, errors: FieldError[]): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    errors.push({ pointer, message: 'must be an array of absolute paths' });
    return [];
  }
  const out: string[] = [];
  value.forEach((entry, i) => {
    const real = realDirectoryOrPath(entry, `${pointer}/${i}`, errors, false);
    if (real !== undefined) out.push(real);
  });
  return out;
}

/** Checks every option at once and reports each bad field with its JSON pointer. */
export function normalizeOptions(options: SandboxOptions): NormalizedOptions {
  const errors: FieldError[] = [];
  const network = options.network;
  let allowHosts: HostRule[] = [];
  if (network !== undefined && network !== false && network !== 'host') {
    if (typeof network !== 'object' || network === null) {
      errors.push({ pointer: '/network', message: "must be false, 'host' or { allowHosts: [...] }" });
    } else {
      allowHosts = parseAllowHosts(network.allowHosts, '/network/allowHosts', errors);
    }
  }
  if (typeof options.command !== 'string' || options.command === '' || options.command.includes('\0')) {
    errors.push({ pointer: '/command', message: 'must be a non-empty string without NUL bytes' });
  }
  if (!Array.isArray(options.args) || !options.args.every((a) => typeof a === 'string' && !a.includes('\0'))) {
    errors.push({ pointer: '/args', message: 'must be an array of strings without NUL bytes' });
  }
  const workspace = realDirectoryOrPath(options.workspace, '/workspace', errors, true);
  const cwd = realDirectoryOrPath(options.cwd, '/cwd', errors, true);
  if (workspace !== undefined && cwd !== undefined && !isInside(cwd, workspace)) {
    errors.push({ pointer: '/cwd', message: `must be inside the workspace "${workspace}", got "${cwd}"` });
  }
  const readOnly = pathList(options.readOnly, '/readOnly', errors);
  const writable = pathList(options.writable, '/writable', errors);
  const env: Record<string, string> = { PATH: DEFAULT_PATH, HOME: '/tmp', LANG: 'C.UTF-8' };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (key === '' || key.includes('=') || key.includes('\0') || typeof value !== 'string' || value.includes('\0')) {
      errors.push({ pointer: `/env/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, message: 'invalid variable' });
    } else {
      env[key] = value;
    }
  }
  // The proxy's address wins over a caller's: with an allow-list it is the only way out.
  if (allowHosts.length > 0) Object.assign(env, PROXY_ENV);
  const timeoutMs = limit(options.timeoutMs, 0, '/timeoutMs', errors);
  if (options.timeoutMs === undefined) errors.push({ pointer: '/timeoutMs', message: 'is required' });
  const normalized: NormalizedOptions = {
    command: options.command,
    args: options.args,
    cwd: cwd ?? '',
    workspace: workspace ?? '',
    readOnly,
    writable,
    env,
    timeoutMs,
    memoryBytes: limit(options.memoryBytes, DEFAULT_MEMORY_BYTES, '/memoryBytes', errors),
    cpuSeconds: limit(options.cpuSeconds, Math.max(1, Math.ceil(timeoutMs / 1000)), '/cpuSeconds', errors),
    maxProcesses: limit(options.maxProcesses, DEFAULT_MAX_PROCESSES, '/maxProcesses', errors),
    maxOutputBytes: limit(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, '/maxOutputBytes', errors),
    maxFileBytes: limit(options.maxFileBytes, DEFAULT_MAX_FILE_BYTES, '/maxFileBytes', errors),
    stdin: options.stdin,
    signal: options.signal,
    shareNetwork: options.network === 'host',
    allowHosts,
  };
  if (options.stdin !== undefined && typeof options.stdin !== 'string') {
    errors.push({ pointer: '/stdin', message: 'must be a string' });
  }
  if (errors.length > 0) {
    throw new ValidationError(
      `Invalid sandbox options: ${errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}`,
      errors,
    );
  }
  return normalized;
}
