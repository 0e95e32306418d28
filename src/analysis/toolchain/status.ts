import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { installCommand, type ToolDescriptor, type ToolEnvironment } from '../tools/descriptor.ts';
import { TOOLS } from '../tools/index.ts';
import { toolEnvironment } from './environment.ts';

const run = promisify(execFile);

export interface ToolState {
  name: string;
  title: string;
  languages: string[];
  informationUri: string;
  installed: boolean;
  version?: string;
  executable?: string;
  /** The command that installs the tool (shown when it is missing, kept when it is present). */
  install: string;
  /** Set when the executable exists but does not answer its version probe. */
  problem?: string;
}

/** Runs a tool's version probe (our own installed binary, so outside the sandbox, with a short limit). */
export async function probeVersion(tool: ToolDescriptor, executable: string): Promise<string | undefined> {
  const probe = tool.version.command?.(executable) ?? { command: executable, args: tool.version.args };
  const { stdout, stderr } = await run(probe.command, probe.args, {
    timeout: 15_000,
    // Never in Orbit's own directory: a probe must not be able to leave files there.
    cwd: os.tmpdir(),
    env: { ...process.env, ...tool.env },
  });
  return tool.version.parse(`${stdout}\n${stderr}`);
}

export async function toolState(tool: ToolDescriptor, env: ToolEnvironment): Promise<ToolState> {
  const route = tool.install[0];
  const base = {
    name: tool.name,
    title: tool.title,
    languages: tool.languages,
    informationUri: tool.informationUri,
    install: route ? installCommand(route, env) : 'no install route',
  };
  const executable = tool.findExecutable(env);
  if (!executable) return { ...base, installed: false };
  try {
    return { ...base, installed: true, executable, version: await probeVersion(tool, executable) };
  } catch (err) {
    return { ...base, installed: false, executable, problem: `version probe failed: ${(err as Error).message}` };
  }
}

/** Every tool with its version, or the command that installs it; `orbit doctor` and `orbit tools list` print this. */
export async function toolStatus(
  options: { env?: ToolEnvironment; tools?: readonly ToolDescriptor[] } = {},
): Promise<ToolState[]> {
  const env = options.env ?? toolEnvironment();
  return Promise.all((options.tools ?? TOOLS).map((t) => toolState(t, env)));
}
