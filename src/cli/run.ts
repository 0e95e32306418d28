import type { Command } from 'commander';
import { type Config, loadConfig } from '../platform/config.ts';
import { type Output, output, reportError } from './output.ts';

/**
 * Wraps a command's action: reads the global --json flag and the configuration, and turns any error into a
 * clear message and exit code instead of a stack dump.
 */
export function action<A extends unknown[]>(
  fn: (ctx: { out: Output; config: Config; command: Command }, ...args: A) => Promise<number | undefined>,
) {
  return async (...all: unknown[]) => {
    const command = all[all.length - 1] as Command;
    const args = all.slice(0, -1) as A;
    const json = Boolean(command.optsWithGlobals().json);
    try {
      const config = loadConfig();
      const code = await fn({ out: output(json), config, command }, ...args);
      process.exitCode = code ?? 0;
    } catch (err) {
      process.exitCode = reportError(err, json);
    }
  };
}
