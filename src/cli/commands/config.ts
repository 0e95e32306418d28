import { Command } from 'commander';
import { configMarkdownTable, variables } from '../../platform/config.ts';
import { action } from '../run.ts';

export function configCommand(): Command {
  return new Command('config')
    .description('List every environment variable Orbit reads, with defaults, and check the current values.')
    .option('--markdown', 'print the table as Markdown (the README embeds it)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ orbit config\n  $ ORBIT_PORT=abc orbit config   # shows what is wrong and a valid example',
    )
    .action(
      action(async ({ out, config }, opts: { markdown?: boolean }) => {
        // loadConfig already ran (and would have failed with a precise message) before we got here.
        const rows = Object.entries(variables).map(([key, s]) => {
          const value = (config as Record<string, unknown>)[key];
          const shown = 'secret' in s && s.secret ? (value === undefined ? undefined : '(set, hidden)') : value;
          return { variable: s.name, value: shown ?? null, default: s.defaultText, description: s.description };
        });
        if (opts.markdown) {
          out.result(rows, configMarkdownTable());
          return 0;
        }
        const human = rows
          .map(
            (r) =>
              `${r.variable.padEnd(28)} ${r.value === null ? '(unset)' : JSON.stringify(r.value)}\n${' '.repeat(29)}${r.description}`,
          )
          .join('\n');
        out.result(rows, `Configuration is valid.\n\n${human}`);
        return 0;
      }),
    );
}
