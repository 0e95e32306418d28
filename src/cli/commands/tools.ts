import { Command } from 'commander';
import {
  type InstallProgress,
  installTools,
  resolveTools,
  type ToolState,
  toolEnvironment,
  toolStatus,
} from '../../analysis/toolchain/index.ts';
import { action } from '../run.ts';

function listTable(states: ToolState[]): string {
  const width = Math.max(...states.map((s) => s.name.length)) + 2;
  return states
    .map((s) =>
      s.installed
        ? `${s.name.padEnd(width)}${(s.version ?? '?').padEnd(12)}${s.executable ?? ''}`
        : `${s.name.padEnd(width)}${'missing'.padEnd(12)}install: orbit tools install ${s.name}  (${s.install})${s.problem ? `; ${s.problem}` : ''}`,
    )
    .join('\n');
}

function progressLine(e: InstallProgress): string {
  switch (e.phase) {
    case 'present':
      return `  ${e.tool}: already installed (${e.version ?? 'version unknown'})`;
    case 'installing':
      return `  ${e.tool}: installing… ${e.command}`;
    case 'installed':
      return `  ${e.tool}: installed ${e.version ?? ''}`.trimEnd();
    case 'failed':
      return `  ${e.tool}: FAILED: ${e.detail ?? ''}\n    run by hand: ${e.command}`;
  }
}

/** `orbit tools list|install [NAME…]`: the analysis tools Orbit manages, their versions, and installing them. */
export function toolsCommand(): Command {
  const tools = new Command('tools').description(
    'The analysis tools Orbit runs: list them with their versions, install the missing ones.',
  );
  tools
    .command('list')
    .description('Every analysis tool with its version, or the command that installs it.')
    .action(
      action(async ({ out }) => {
        const states = await toolStatus();
        out.result({ tools: states }, listTable(states));
        return 0;
      }),
    );
  tools
    .command('install')
    .description('Install the named tools (all when none are named) that are missing, through their install routes.')
    .argument('[names...]', 'tool names, e.g. ruff eslint shellcheck')
    .addHelpText(
      'after',
      '\nExamples:\n  $ orbit tools install\n  $ orbit tools install ruff bandit\n  $ orbit tools install --json',
    )
    .action(
      action(async ({ out }, names: string[]) => {
        const selected = resolveTools(names ?? []);
        out.info(`Installing into ${toolEnvironment().toolsDir} (${selected.length} tool(s))`);
        const results = await installTools(
          selected.map((t) => t.name),
          { onProgress: (e) => out.line(e, progressLine(e)) },
        );
        const failed = results.filter((r) => r.phase === 'failed');
        out.info(
          failed.length === 0
            ? `All ${results.length} tool(s) ready.`
            : `${failed.length} tool(s) failed: ${failed.map((f) => f.tool).join(', ')}`,
        );
        return failed.length === 0 ? 0 : 1;
      }),
    );
  return tools;
}
