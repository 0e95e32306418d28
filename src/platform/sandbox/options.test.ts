import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import { DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_PROCESSES, normalizeOptions } from './options.ts';

const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-sandbox-options-')));
const ws = path.join(root, 'ws');
fs.mkdirSync(path.join(ws, 'src'), { recursive: true });
fs.symlinkSync(ws, path.join(root, 'ws-link'));

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function errorsOf(fn: () => unknown): { pointer: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).extra.errors ?? [];
  }
  throw new Error('expected a ValidationError');
}

describe('normalizeOptions', () => {
  it('applies defaults and resolves symlinked paths to the real directories that will be mounted', () => {
    const o = normalizeOptions({
      command: 'ls',
      args: [],
      cwd: path.join(root, 'ws-link', 'src'),
      workspace: path.join(root, 'ws-link'),
      timeoutMs: 2500,
    });
    expect(o.workspace).toBe(ws);
    expect(o.cwd).toBe(path.join(ws, 'src'));
    expect(o.cpuSeconds).toBe(3);
    expect(o.maxProcesses).toBe(DEFAULT_MAX_PROCESSES);
    expect(o.maxOutputBytes).toBe(DEFAULT_MAX_OUTPUT_BYTES);
    expect(o.env).toEqual({ PATH: expect.any(String), HOME: '/tmp', LANG: 'C.UTF-8' });
  });

  it('refuses a cwd that leaves the workspace through ..', () => {
    expect(
      errorsOf(() => normalizeOptions({ command: 'ls', args: [], cwd: `${ws}/..`, workspace: ws, timeoutMs: 1 })),
    ).toEqual([{ pointer: '/cwd', message: expect.stringContaining('must be inside the workspace') }]);
  });

  it('refuses the root directory as a bind, and a missing timeout', () => {
    const errors = errorsOf(() =>
      normalizeOptions({ command: 'ls', args: [], cwd: ws, workspace: ws, readOnly: ['/'] } as never),
    );
    expect(errors.map((e) => e.pointer)).toEqual(['/readOnly/0', '/timeoutMs']);
  });

  it('refuses NUL bytes and malformed environment variables', () => {
    const errors = errorsOf(() =>
      normalizeOptions({
        command: 'ls',
        args: ['a\0b'],
        cwd: ws,
        workspace: ws,
        env: { 'A=B': 'x', 'a/b': 'y\0' },
        timeoutMs: 1,
      }),
    );
    expect(errors.map((e) => e.pointer)).toEqual(['/args', '/env/A=B', '/env/a~1b']);
  });
});
