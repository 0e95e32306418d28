import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Command, CommanderError } from 'commander';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { workflowCommand } from '../../src/cli/commands/workflow.ts';
import { type Database, openDatabase } from '../../src/platform/db/client.ts';
import { errorsPlugin } from '../../src/server/plugins/errors.ts';
import { validatorCompiler } from '../../src/server/validation.ts';
import { KnowledgeBase } from '../../src/workflowgen/index.ts';
import { chatflowDsl, codeWorkflowDsl, danglingEdgeDsl, yamlBomb } from '../../src/workflowgen/kb/testing.ts';
import { workflowRoutes } from '../../src/workflowgen/routes.ts';
import { freePort } from '../support/services.ts';

const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/workflows');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-workflow-cli-'));
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}
const VALID = path.join(EXAMPLES, '43-translation-workflow.yml');
const BROKEN = file('broken.yml', danglingEdgeDsl());
const MALFORMED = file('malformed.yml', 'app:\n  name: x\nworkflow: [unclosed\n');
const BOMB = file('bomb.yml', yamlBomb());
const MISSING = path.join(dir, 'missing.yml');

/** Commander applies exitOverride/configureOutput per command; set them on the whole tree so nothing exits. */
function contain(command: Command, write: (s: string) => void) {
  command.exitOverride().configureOutput({ writeOut: write, writeErr: write });
  for (const sub of command.commands) contain(sub, write);
}

/** Runs `orbit workflow …` in-process the way bin/orbit.js does, capturing what it prints and its exit code. */
async function orbit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const program = new Command('orbit').option('--json');
  program.addCommand(workflowCommand());
  contain(program, (s) => {
    stderr += s;
  });
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  let code: number;
  try {
    process.exitCode = undefined;
    await program.parseAsync(['node', 'orbit', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode;
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
  return { code, stdout, stderr };
}

describe('orbit workflow validate (local, no server)', () => {
  it('exits 0 for a valid file and shows its warnings', async () => {
    const r = await orbit(['workflow', 'validate', VALID]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`✓ ${VALID}: valid (1 warning)`);
    expect(r.stdout).toMatch(/warning {2}.*\[document\.version-old\]/);
  });

  it('exits 1 for an invalid file, with file:line:column, pointer, message and rule per error', async () => {
    const r = await orbit(['workflow', 'validate', BROKEN]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ .*broken\.yml: 4 errors/m);
    expect(r.stdout).toMatch(
      /error {2}.*broken\.yml:\d+:\d+ {2}\/workflow\/graph\/edges\/1\/target {2}edge 1 points at node "ghost".*\[edge\.dangling-target\]/,
    );
  });

  it('reports malformed YAML and a YAML bomb as invalid with their position and rule', async () => {
    const r = await orbit(['workflow', 'validate', MALFORMED, BOMB]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/malformed\.yml:\d+:\d+ .*\[yaml\.syntax\]/);
    expect(r.stdout).toContain('[yaml.alias-limit]');
  });

  it('gives [{ file, valid, errors, warnings }] with --json, and exit 2 when a file cannot be read', async () => {
    const r = await orbit(['--json', 'workflow', 'validate', VALID, BROKEN, MISSING]);
    expect(r.code).toBe(2);
    const verdicts = JSON.parse(r.stdout) as { file: string; valid: boolean; errors: { rule: string }[] }[];
    expect(verdicts.map((v) => [v.file, v.valid])).toEqual([
      [VALID, true],
      [BROKEN, false],
      [MISSING, false],
    ]);
    expect(verdicts[1]?.errors.map((e) => e.rule)).toContain('edge.dangling-target');
    expect(verdicts[2]?.errors).toEqual([
      { rule: 'file.unreadable', path: '', message: `cannot read ${MISSING}: no such file` },
    ]);
    const folder = await orbit(['workflow', 'validate', dir]);
    expect(folder.code).toBe(2);
    expect(folder.stdout).toContain('it is a directory');
  });

  it('validates for the chosen target version and refuses an unknown one', async () => {
    const v7 = file('v7.yml', chatflowDsl({ name: 'v7', prompt: 'hi' }).replace('version: 0.6.0', 'version: 0.7.0'));
    expect((await orbit(['workflow', 'validate', v7])).code).toBe(1);
    expect((await orbit(['workflow', 'validate', v7, '--target-version', '0.7.0'])).code).toBe(0);
    const bad = await orbit(['workflow', 'validate', v7, '--target-version', '0.9.0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("argument '0.9.0' is invalid. Allowed choices are 0.6.0, 0.7.0");
  });

  it('teaches with --help, with examples and exit codes', async () => {
    for (const args of [['workflow'], ['workflow', 'validate'], ['workflow', 'kb'], ['workflow', 'kb', 'add']]) {
      const r = await orbit([...args, '--help']);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(/Examples?:/);
    }
  });
});

describe('orbit workflow kb (against a server with the workflow routes)', () => {
  let database: Database;
  let app: FastifyInstance;
  const saved = process.env.ORBIT_URL;

  beforeAll(async () => {
    database = await openDatabase({ dataDir: 'memory://' });
    await database.migrate();
    await new KnowledgeBase(database).seedBuiltins(EXAMPLES);
    const server = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>();
    server.setValidatorCompiler(validatorCompiler);
    server.removeContentTypeParser('text/plain');
    await server.register(errorsPlugin);
    server.addHook('onRequest', async (request) => {
      request.principal = { kind: 'local', id: 'local', role: 'admin' };
    });
    await server.register(workflowRoutes, { database });
    const port = await freePort();
    await server.listen({ port, host: '127.0.0.1' });
    app = server as unknown as FastifyInstance;
    process.env.ORBIT_URL = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    process.env.ORBIT_URL = saved;
    await app?.close();
    await database?.close();
  });

  it('lists the workflows as a table, or as JSON', async () => {
    const r = await orbit(['workflow', 'kb', 'list', '--mode', 'workflow']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ID\s+MODE\s+NAME\s+PATTERNS\s+SOURCE/);
    expect(r.stdout).toContain('translation_workflow');
    expect(r.stdout).not.toContain('advanced-chat');
    const json = await orbit(['--json', 'workflow', 'kb', 'list']);
    expect((JSON.parse(json.stdout) as { results: unknown[] }).results).toHaveLength(14);
  });

  it('searches, best first, and says plainly when nothing matches or the query is empty', async () => {
    const r = await orbit(['workflow', 'kb', 'search', 'translation', '--limit', '3']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[1]).toContain('translation_workflow');
    expect(r.stdout).toContain('(matching every word)');
    const none = await orbit(['workflow', 'kb', 'search', 'xyzzy plugh']);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('No workflow matches "xyzzy plugh"');
    const empty = await orbit(['workflow', 'kb', 'search', '  ']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('The query is empty');
    const badLimit = await orbit(['workflow', 'kb', 'search', 'loop', '--limit', '0']);
    expect(badLimit.code).toBe(1);
    expect(badLimit.stderr).toContain('must be a whole number from 1 to 100');
  });

  it('adds a file once, shows it back, removes it', async () => {
    const mine = file('mine.yml', codeWorkflowDsl({ name: 'Louder', title: 'Shout the text' }));
    const added = await orbit(['workflow', 'kb', 'add', mine, '--licence', 'MIT']);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^Added "Louder" \(([0-9a-f-]{36})\), workflow, patterns: code/);
    const id = /\(([0-9a-f-]{36})\)/.exec(added.stdout)![1]!;
    const again = await orbit(['--json', 'workflow', 'kb', 'add', mine]);
    expect(JSON.parse(again.stdout)).toMatchObject({ id, created: false, licence: 'MIT' });
    const shown = await orbit(['workflow', 'kb', 'show', id]);
    expect(`${shown.stdout.trimEnd()}\n`).toBe(fs.readFileSync(mine, 'utf8'));
    expect((await orbit(['workflow', 'kb', 'remove', id])).stdout).toContain(`Removed ${id}.`);
    const gone = await orbit(['workflow', 'kb', 'show', id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('404');
  });

  it('refuses an invalid file with the validator’s lines, and an unreadable one with exit 2', async () => {
    const r = await orbit(['workflow', 'kb', 'add', BROKEN]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('400 The workflow DSL is invalid (4 errors)');
    expect(r.stderr).toMatch(
      /error {2}.*broken\.yml:\d+:\d+ {2}\/workflow\/graph\/edges\/1\/target .*\[edge\.dangling-target\]/,
    );
    const missing = await orbit(['workflow', 'kb', 'add', MISSING]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
  });

  it('refuses to remove a shipped example', async () => {
    const list = JSON.parse((await orbit(['--json', 'workflow', 'kb', 'list'])).stdout) as {
      results: { id: string }[];
    };
    const r = await orbit(['workflow', 'kb', 'remove', list.results[0]!.id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/409 .*shipped with Orbit and cannot be deleted/);
  });

  it('says how to reach a server when ORBIT_URL points nowhere', async () => {
    const url = process.env.ORBIT_URL;
    process.env.ORBIT_URL = `http://127.0.0.1:${await freePort()}`;
    try {
      const r = await orbit(['workflow', 'kb', 'list']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('Cannot reach the Orbit server');
    } finally {
      process.env.ORBIT_URL = url;
    }
  });
});
