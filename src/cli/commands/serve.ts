import { Command, Option } from 'commander';
import { databaseLocation, startServer } from '../../orbit.ts';
import { action } from '../run.ts';
import { untilSignal } from './signals.ts';

export function serveCommand(): Command {
  return new Command('serve')
    .description('Start the HTTP API (and, unless --no-workers, workers that execute runs).')
    .addOption(new Option('--host <address>', 'address to listen on (default: ORBIT_HOST or 127.0.0.1)'))
    .addOption(new Option('--port <port>', 'port to listen on (default: ORBIT_PORT or 7070; 0 = any free port)'))
    .option('--no-workers', 'API only: leave run execution to `orbit worker` processes (needs DATABASE_URL)')
    .addHelpText(
      'after',
      `
With no configuration Orbit keeps everything in $ORBIT_HOME (default ~/.orbit): an embedded PostgreSQL (PGlite),
in-process workers and in-memory rate limits. Bound to loopback, requests without an API key act as a local admin.

Examples:
  $ orbit serve                                   http://127.0.0.1:7070, embedded database
  $ orbit serve --port 8080
  $ DATABASE_URL=postgres://… REDIS_URL=redis://… orbit serve --host 0.0.0.0 --no-workers
  $ curl -s localhost:7070/health/ready`,
    )
    .action(
      action(async ({ out, config }, opts: { host?: string; port?: string; workers: boolean }) => {
        const cfg = { ...config };
        if (opts.host) cfg.host = opts.host;
        if (opts.port !== undefined) {
          const port = Number(opts.port);
          if (!Number.isInteger(port) || port < 0 || port > 65535) {
            out.info(`--port: "${opts.port}" is not a port number (0–65535). Example: --port 8080`);
            return 2;
          }
          cfg.port = port;
        }
        const server = await startServer(cfg, { workers: opts.workers });
        out.result(
          { url: server.url, database: databaseLocation(cfg), workers: opts.workers },
          `Orbit is running at ${server.url}  (API reference: ${server.url}/docs, database: ${databaseLocation(cfg)})\nPress Ctrl+C to stop.`,
        );
        await untilSignal();
        out.info('Stopping…');
        await server.close();
        return 0;
      }),
    );
}
