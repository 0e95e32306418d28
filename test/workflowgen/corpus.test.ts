import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatIssues, validateDsl, validateDslValue } from '../../src/workflowgen/index.ts';
import { itWhen } from '../support/services.ts';
import { MUTATIONS } from './mutations.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const corpusDir = path.resolve(repoRoot, '../shared/reference/dify-examples');
const bundledDir = path.resolve(repoRoot, 'examples/workflows');
const corpusPresent = fs.existsSync(corpusDir);
const CORPUS_MISSING = 'the Dify example corpus ../shared/reference/dify-examples is not present';

function ymlFiles(dir: string): string[] {
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.yml'))
        .sort()
    : [];
}

function validateFile(file: string) {
  return validateDsl(fs.readFileSync(file, 'utf8'));
}

/** Applies every mutation to every file; returns one line per miss (empty when all were caught). */
function runMutations(dir: string, files: string[]): { misses: string[]; caught: number } {
  const misses: string[] = [];
  let caught = 0;
  for (const file of files) {
    const original = parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    for (const mutation of MUTATIONS) {
      // mutate the parsed document: the YAML text path is covered by the baseline tests above
      const { doc, rule } = mutation.apply(structuredClone(original));
      const result = validateDslValue(doc);
      if (!result.valid && result.errors.some((e) => e.rule === rule)) {
        caught++;
      } else {
        misses.push(
          `${file} / ${mutation.name}: expected ${rule}, got\n${formatIssues(result.errors) || '(no errors)'}`,
        );
      }
    }
  }
  return { misses, caught };
}

describe('the Dify example corpus', () => {
  itWhen(corpusPresent, CORPUS_MISSING)('every real example validates (all 44 pass Dify’s own checks)', () => {
    const files = ymlFiles(corpusDir);
    expect(files.length).toBeGreaterThanOrEqual(44);
    const failures = files
      .map((f) => ({ f, result: validateFile(path.join(corpusDir, f)) }))
      .filter(({ result }) => !result.valid)
      .map(({ f, result }) => `${f}\n${formatIssues(result.errors)}`);
    expect(failures).toEqual([]);
  });

  itWhen(corpusPresent, CORPUS_MISSING)(
    'every mutation of every real example is rejected with the expected rule',
    () => {
      const files = ymlFiles(corpusDir);
      const { misses, caught } = runMutations(corpusDir, files);
      expect(misses).toEqual([]);
      expect(caught).toBe(files.length * MUTATIONS.length);
      console.info(`mutation test: ${files.length} examples × ${MUTATIONS.length} mutations = ${caught} caught`);
    },
  );
});

describe('the bundled examples (examples/workflows)', () => {
  const files = ymlFiles(bundledDir);

  it('holds redistributable examples with their source and licence noted', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    const readme = fs.readFileSync(path.join(bundledDir, 'README.md'), 'utf8');
    for (const f of files) expect(readme).toContain(f);
    // only Dify's own fixtures and the MIT collection may be copied (see the corpus INDEX)
    for (const line of readme.split('\n').filter((l) => l.startsWith('| ') && l.includes('.yml'))) {
      expect(line).toMatch(/\| (MIT|Dify Open Source License) \|$/);
    }
  });

  it('every bundled example validates', () => {
    const failures = files
      .map((f) => ({ f, result: validateFile(path.join(bundledDir, f)) }))
      .filter(({ result }) => !result.valid)
      .map(({ f, result }) => `${f}\n${formatIssues(result.errors)}`);
    expect(failures).toEqual([]);
  });

  it('every mutation of every bundled example is rejected with the expected rule', () => {
    const { misses, caught } = runMutations(bundledDir, files);
    expect(misses).toEqual([]);
    expect(caught).toBe(files.length * MUTATIONS.length);
  });
});

describe('docs/workflows.md', () => {
  it('documents every rule id the validator can report', () => {
    const docs = fs.readFileSync(path.join(repoRoot, 'docs/workflows.md'), 'utf8');
    const sources = fs
      .readdirSync(path.join(repoRoot, 'src/workflowgen/dsl'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => fs.readFileSync(path.join(repoRoot, 'src/workflowgen/dsl', f), 'utf8'))
      .join('\n');
    const ruleIds = new Set(
      [
        ...sources.matchAll(
          /'((?:input|yaml|document|options|app|workflow|variable|node|edge|graph|container|reference)\.[a-z-]+)'/g,
        ),
      ].map((m) => m[1] as string),
    );
    expect(ruleIds.size).toBeGreaterThan(50);
    const undocumented = [...ruleIds].filter((id) => !docs.includes(`\`${id}\``));
    expect(undocumented).toEqual([]);
  });
});
