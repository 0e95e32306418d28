/**
 * Issue 7's "done when": every model in examples/models/ validates, plans, generates for both targets, and each
 * generated project passes its own quality gate (lint, types, its generated tests on a real database) in the sandbox.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planModel } from '../../src/backendgen/plan/index.ts';
import { TARGET_NAMES, TARGETS } from '../../src/backendgen/targets/index.ts';
import { validateModel } from '../../src/backendgen/validate/index.ts';
import { sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import { requirement } from '../support/services.ts';

const MODELS = path.resolve(import.meta.dirname, '../../examples/models');
const sandbox = await sandboxAvailable();
const need = requirement(sandbox.available, `the sandbox is unavailable: ${sandbox.reason}`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-examples-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const models = fs
  .readdirSync(MODELS)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('examples/models', () => {
  it('holds at least the blog and e-commerce models and three more', () => {
    expect(models).toEqual(expect.arrayContaining(['blog.json', 'ecommerce.json']));
    expect(models.length).toBeGreaterThanOrEqual(5);
  });

  describe.skipIf(need.skip).each(models)('%s', (file) => {
    const validation = validateModel(fs.readFileSync(path.join(MODELS, file), 'utf8'));
    it.each(TARGET_NAMES)('generates a %s project that passes its quality gate', { timeout: 600_000 }, async (name) => {
      expect(validation.errors).toEqual([]);
      if (!validation.valid) return;
      const target = TARGETS[name];
      const plan = planModel(validation.model, [target]);
      const dir = path.join(work, `${file.replace('.json', '')}-${name}`);
      for (const f of target.generate(plan)) {
        fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
        fs.writeFileSync(path.join(dir, f.path), f.content);
      }
      const report = await target.gate(dir, {});
      const failed = report.steps.filter((s) => !s.ok).map((s) => `${s.name}:\n${s.output.slice(-2000)}`);
      expect(failed).toEqual([]);
      expect(report.ok).toBe(true);
      const tests = report.steps.at(-1)?.counts ?? {};
      expect(Number(tests.passed ?? tests.testsPassed ?? 0)).toBeGreaterThan(20);
    });
  });
});
