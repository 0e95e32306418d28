import { Command } from 'commander';
import { version } from '../version.ts';
import { agentCommand } from './commands/agent.ts';
import { analyzeCommand } from './commands/analyze.ts';
import { backendCommand } from './commands/backend.ts';
import { configCommand } from './commands/config.ts';
import { doctorCommand } from './commands/doctor.ts';
import { keysCommand } from './commands/keys.ts';
import { migrateCommand } from './commands/migrate.ts';
import { runsCommand } from './commands/runs.ts';
import { serveCommand } from './commands/serve.ts';
import { toolsCommand } from './commands/tools.ts';
import { usageCommand } from './commands/usage.ts';
import { workerCommand } from './commands/worker.ts';
import { workflowCommand } from './commands/workflow.ts';
import { workflowGenerateCommand } from './commands/workflowGenerate.ts';

const program = new Command('orbit')
  .description('Orbit: a self-hosted platform for AI-assisted software engineering.')
  .version(version, '-v, --version')
  .option('--json', 'machine-readable output: one JSON document, or JSON lines for streams')
  .showSuggestionAfterError()
  .addHelpText(
    'after',
    `
Examples:
  $ orbit serve                       start the server on http://127.0.0.1:7070 (embedded database, no setup)
  $ orbit doctor                      check what is installed and how to add what is missing
  $ orbit analyze . --mode deep       run every analysis tool over this repository
  $ orbit backend generate examples/models/blog.json --target fastapi --out blog-api
  $ orbit agent run . "Add a --verbose flag"   the coding agent, in this terminal (needs ORBIT_MODEL)
  $ orbit runs list --status running  see what is running
  $ orbit runs watch <id>             follow a run live

Configuration comes from environment variables: \`orbit config\` lists them all.`,
  );

for (const make of [
  serveCommand,
  workerCommand,
  migrateCommand,
  runsCommand,
  usageCommand,
  analyzeCommand,
  backendCommand,
  agentCommand,
  () => workflowCommand().addCommand(workflowGenerateCommand()),
  toolsCommand,
  keysCommand,
  doctorCommand,
  configCommand,
]) {
  program.addCommand(make());
}

await program.parseAsync(process.argv);
