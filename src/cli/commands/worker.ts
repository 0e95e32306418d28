import { Command } from 'commander';
import { databaseLocation, openPlatform } from '../../orbit.ts';
import { CliError } from '../output.ts';
import { action } from '../run.ts';
import { untilSignal } from './signals.ts';

export function workerCommand(): Command {
  return new Command('worker')
    .description('Execute queued runs, without an HTTP API. Run as many as you like against one PostgreSQL.')
    .option('--concurrency <n>', 'runs executed at once (default: ORBIT_WORKER_CONCURRENCY or the number of cores)')
    .addHelpText(
      'after',
      `
Workers share work through the queue in PostgreSQL, so DATABASE_URL must be set: the embedded database belongs
to one process (use \`orbit serve\`, which has workers built in).

Example:
  $ DATABASE_URL=postgres://orbit@db/orbit orbit worker --concurrency 4`,
    )
    .action(
      action(async ({ out, config }, opts: { concurrency?: string }) => {
        if (!config.databaseUrl) {
          throw new CliError(
            'orbit worker needs DATABASE_URL (PostgreSQL): the embedded database cannot be shared between processes. For a single machine, `orbit serve` already runs workers.',
            2,
          );
        }
        const concurrency = opts.concurrency === undefined ? config.workerConcurrency : Number(opts.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1)
          throw new CliError(`--concurrency: "${opts.concurrency}" is not a positive whole number`, 2);
        const platform = await openPlatform({ ...config, workerConcurrency: concurrency }, { workers: true });
        out.result(
          { workerId: platform.engine.workerId, concurrency, database: databaseLocation(config) },
          `Worker ${platform.engine.workerId} executing up to ${concurrency} run(s) from ${databaseLocation(config)}. Ctrl+C to stop.`,
        );
        await untilSignal();
        out.info('Stopping: finishing runs in progress…');
        await platform.close();
        return 0;
      }),
    );
}
