import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Chromium binaries tried in order. */
export function findChromium(): string | undefined {
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((c) => fs.existsSync(c));
}

export const CHROMIUM_INSTALL_HINT = 'apt-get install chromium';

export class PdfUnavailableError extends Error {
  override name = 'PdfUnavailableError';
}

/**
 * Prints the self-contained HTML report to PDF with headless Chromium, offline (the page loads nothing). The
 * browser runs with a throwaway profile and no network access to anything but the local file.
 */
export async function renderPdf(html: string, options: { timeoutMs?: number } = {}): Promise<Buffer> {
  const chromium = findChromium();
  if (!chromium) throw new PdfUnavailableError(`PDF needs Chromium, which is not installed: ${CHROMIUM_INSTALL_HINT}.`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-pdf-'));
  try {
    const page = path.join(dir, 'report.html');
    const pdf = path.join(dir, 'report.pdf');
    fs.writeFileSync(page, html);
    await run(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--no-first-run',
        '--no-pdf-header-footer',
        `--user-data-dir=${path.join(dir, 'profile')}`,
        '--proxy-server=127.0.0.1:9',
        '--run-all-compositor-stages-before-draw',
        `--print-to-pdf=${pdf}`,
        `file://${page}`,
      ],
      { timeout: options.timeoutMs ?? 120_000, maxBuffer: 4 * 1024 * 1024 },
    );
    const data = fs.readFileSync(pdf);
    if (data.subarray(0, 5).toString() !== '%PDF-') throw new Error('Chromium did not write a PDF');
    return data;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
