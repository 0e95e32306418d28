import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The dependency direction of ARCHITECTURE.md, checked on every import:
 *   cli, server → capabilities (analysis, backendgen, workflowgen, agent, demo) → llm → platform.
 * A capability never imports server or cli, capabilities do not import each other, platform imports no
 * capability. Only the CLI (the process entry) imports the composition root, src/orbit.ts.
 */
const SRC = path.resolve(import.meta.dirname, '../src');
const CAPABILITIES = ['analysis', 'backendgen', 'workflowgen', 'agent', 'demo'];
const LAYER: Record<string, number> = { platform: 0, llm: 1, cli: 3, server: 3 };
for (const c of CAPABILITIES) LAYER[c] = 2;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) yield full;
  }
}

function topFolder(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? (rel[0] ?? '') : '(root)';
}

function violations(): string[] {
  const out: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = topFolder(file);
    if (from === '(root)') continue; // the composition root may import anything
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
      const target = path.resolve(path.dirname(file), m[1] ?? '');
      const to = topFolder(target);
      if (to === from || to === '(root)') {
        if (to === '(root)' && !target.endsWith('version.ts') && from !== 'cli') {
          out.push(`${path.relative(SRC, file)} imports the composition root ${path.relative(SRC, target)}`);
        }
        continue;
      }
      const rel = path.relative(SRC, file);
      if ((LAYER[to] ?? 0) > (LAYER[from] ?? 0))
        out.push(`${rel} (${from}) imports ${to}: against the dependency direction`);
      else if (CAPABILITIES.includes(from) && CAPABILITIES.includes(to))
        out.push(`${rel}: capability ${from} imports capability ${to}`);
    }
  }
  return out;
}

describe('architecture', () => {
  it('keeps every import in the dependency direction of ARCHITECTURE.md', () => {
    expect(violations()).toEqual([]);
  });

  it('would notice platform importing a capability', () => {
    const probe = path.join(SRC, 'platform', '__probe__.ts');
    fs.writeFileSync(probe, "export { demoExecutor } from '../demo/index.ts';\n");
    try {
      expect(violations()).toEqual(['platform/__probe__.ts (platform) imports demo: against the dependency direction']);
    } finally {
      fs.unlinkSync(probe);
    }
  });
});
