/**
 * Installs the analysis tools without the CLI (for CI):
 *   npx tsx src/analysis/toolchain/install-main.ts [NAME…] [--skip NAME]…
 * Exits 1 when any tool could not be installed. `--skip` leaves out a tool that cannot be installed on a machine
 * (Snyk's CLI downloads its binary from Snyk, which CI cannot reach).
 */
import { installTools, resolveTools } from './install.ts';

const args = process.argv.slice(2);
const skip = new Set(args.flatMap((a, i) => (args[i - 1] === '--skip' ? [a] : [])));
const named = args.filter((a, i) => a !== '--skip' && args[i - 1] !== '--skip');
let names: string[];
try {
  names = resolveTools(named)
    .map((t) => t.name)
    .filter((n) => !skip.has(n));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
const results = await installTools(names, {
  onProgress: (e) =>
    process.stderr.write(
      `${e.tool}: ${e.phase}${e.version ? ` ${e.version}` : ''}${e.phase === 'failed' ? `: ${e.detail}\n  run by hand: ${e.command}` : ''}\n`,
    ),
});
process.exitCode = results.some((r) => r.phase === 'failed') ? 1 : 0;
