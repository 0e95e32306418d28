/**
 * Installs the analysis tools without the CLI (for CI before `orbit tools install` is wired):
 *   npx tsx src/analysis/toolchain/install-main.ts [NAME…]
 * Exits 1 when any tool could not be installed.
 */
import { installTools, resolveTools } from './install.ts';

try {
  resolveTools(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
const results = await installTools(process.argv.slice(2), {
  onProgress: (e) =>
    process.stderr.write(
      `${e.tool}: ${e.phase}${e.version ? ` ${e.version}` : ''}${e.phase === 'failed' ? `: ${e.detail}\n  run by hand: ${e.command}` : ''}\n`,
    ),
});
process.exitCode = results.some((r) => r.phase === 'failed') ? 1 : 0;
