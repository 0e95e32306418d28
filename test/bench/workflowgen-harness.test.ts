import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * The issue asks CI to run the generator benchmark against the scripted model server only, to prove the harness:
 * every request goes through the real generator, validator and scorer. (The score is the script's, not a model's.)
 */
it('runs the workflow generator benchmark end to end against the local scripted server', async () => {
  const env = { ...process.env };
  for (const k of ['ORBIT_MODEL', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY']) delete env[k];
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/workflowgen.ts'], { cwd: ROOT, env });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const code = await new Promise((r) => child.on('close', r));
  expect(code).toBe(0);
  expect(out).toContain('HARNESS CHECK ONLY');
  const summary = out.split('\n').find((l) => l.includes('LOCAL SCRIPTED SERVER'));
  const [, requests, valid] = /\| (\d+) \| (\d+)\/\d+ \|/.exec(summary ?? '') ?? [];
  expect(Number(requests)).toBeGreaterThanOrEqual(20);
  expect(valid).toBe(requests);
});
