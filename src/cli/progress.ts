import cliProgress from 'cli-progress';
import type { RunEvent } from '../platform/runs/index.ts';

/**
 * Shows a run's events for a person: a progress bar for `run.progress` events on a terminal, one line per
 * other event (and plain lines when output is not a terminal, e.g. in CI logs).
 */
export class ProgressDisplay {
  private bar: cliProgress.SingleBar | undefined;

  constructor(private readonly interactive: boolean) {}

  event(e: RunEvent): void {
    if (e.type === 'run.progress') {
      const done = Number(e.data.done ?? 0);
      const total = Number(e.data.total ?? 0);
      const message = String(e.data.message ?? '');
      if (this.interactive) {
        if (!this.bar) {
          this.bar = new cliProgress.SingleBar(
            { format: '  {bar} {percentage}% | {value}/{total} | {message}', hideCursor: true, stream: process.stderr },
            cliProgress.Presets.shades_classic,
          );
          this.bar.start(total, done, { message });
        }
        this.bar.setTotal(total);
        this.bar.update(done, { message });
        return;
      }
      process.stderr.write(`  [${done}/${total}] ${message}\n`);
      return;
    }
    this.stopBar();
    const detail =
      e.type === 'artifact.stored'
        ? `  ${e.data.name} (${e.data.size} bytes, ${String(e.data.contentType).split(';')[0]})`
        : summarize(e.data);
    process.stderr.write(`${e.at.slice(11, 19)}  #${e.seq} ${e.type}${detail}\n`);
  }

  stop(): void {
    this.stopBar();
  }

  private stopBar() {
    if (this.bar) {
      this.bar.stop();
      this.bar = undefined;
    }
  }
}

function summarize(data: Record<string, unknown>): string {
  const parts = Object.entries(data).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const text = parts.join(' ');
  return text ? `  ${text.length > 160 ? `${text.slice(0, 157)}...` : text}` : '';
}
