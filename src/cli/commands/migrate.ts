import { Command } from 'commander';
import { databaseLocation, openConfiguredDatabase } from '../../orbit.ts';
import { action } from '../run.ts';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('Apply database migrations (the server also applies them at start-up). Safe to run repeatedly.')
    .addHelpText(
      'after',
      '\nExamples:\n  $ orbit migrate\n  $ DATABASE_URL=postgres://orbit@db/orbit orbit migrate --json',
    )
    .action(
      action(async ({ out, config }) => {
        const database = await openConfiguredDatabase(config);
        await database.close();
        out.result(
          { migrated: true, database: databaseLocation(config) },
          `Database is up to date (${databaseLocation(config)}).`,
        );
        return 0;
      }),
    );
}
