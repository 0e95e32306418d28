import { gatePython } from '../../gate/python.ts';
import { requirementsLock } from '../../gate/python-lock.ts';
import {
  dbPy,
  defaultsPy,
  errorsPy,
  mainPy,
  modelsPy,
  paginationPy,
  routerPy,
  routersInitPy,
  schemasPy,
  settingsPy,
  typesPy,
} from './app.ts';
import { entityTables } from './columns.ts';
import type { GeneratedFile, Plan, Target } from './contract.ts';
import { DEFAULT_LINE_LENGTH, withLineLength } from './layout.ts';
import { alembicEnvPy, alembicIni, migrationPath, migrationPy, scriptMako } from './migration.ts';
import { envExample, gitignore, pyprojectToml, readme } from './project.ts';
import { pyStr } from './python.ts';
import {
  conftestPy,
  factoriesPy,
  migrationsTestPy,
  relationshipsTestPy,
  type TestInventory,
  tablesTestPy,
} from './tests.ts';

export interface FastapiOutput {
  files: GeneratedFile[];
  /** The test functions generated, per file (the gate must see every one pass). */
  tests: TestInventory;
}

/** ruff's largest line length. */
const MAX_LINE_LENGTH = 320;

/** Every Python string literal of user text in the plan (descriptions, patterns, defaults), as the code has it. */
function userLiterals(plan: Plan): string[] {
  const out = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string') out.add(pyStr(value));
    else if (Array.isArray(value)) value.forEach(add);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        add(k);
        add(v);
      }
    }
  };
  add(plan.description);
  for (const t of plan.tables) {
    add(t.description);
    for (const c of t.columns) {
      add(c.description);
      add(c.check?.pattern);
      add(c.default);
    }
  }
  return [...out].filter((l) => l.length > 4).sort((a, b) => b.length - a.length);
}

/**
 * The longest line of generated Python, counting user text as empty: what ruff could split. The generator lays
 * code out for 100 columns; when names are so long that a statement it writes on one line is longer, the project
 * is configured (and laid out) for that length instead, so `ruff format` agrees with the layout.
 */
function longestCodeLine(files: GeneratedFile[], literals: string[]): number {
  let longest = 0;
  for (const f of files) {
    if (!f.path.endsWith('.py')) continue;
    for (const line of f.content.split('\n')) {
      if (line.length <= longest || line.length <= DEFAULT_LINE_LENGTH) continue;
      // Docstrings and comments are never rewrapped by ruff.
      const trimmed = line.trimStart();
      if (trimmed.startsWith('"""') || trimmed.startsWith('#')) continue;
      let code = line;
      for (const literal of literals) if (code.includes(literal)) code = code.split(literal).join('""');
      longest = Math.max(longest, code.length);
    }
  }
  return longest;
}

/** Every file of the project, with the inventory of its tests. Deterministic: no clock, no randomness. */
export function generateFastapi(plan: Plan): FastapiOutput {
  const first = generateWith(plan, DEFAULT_LINE_LENGTH);
  const longest = longestCodeLine(first.files, userLiterals(plan));
  if (longest <= DEFAULT_LINE_LENGTH) return first;
  const length = Math.min(longest, MAX_LINE_LENGTH);
  return generateWith(plan, length);
}

function generateWith(plan: Plan, lineLength: number): FastapiOutput {
  return withLineLength(lineLength, () => generateAll(plan, lineLength));
}

function generateAll(plan: Plan, lineLength: number): FastapiOutput {
  const inventory: TestInventory = { files: {}, warnings: [] };
  const files: GeneratedFile[] = [];
  const add = (path: string, content: string | undefined) => {
    if (content !== undefined) files.push({ path, content });
  };
  add('pyproject.toml', pyprojectToml(plan, lineLength));
  add('requirements.lock', requirementsLock());
  add('README.md', readme(plan));
  add('.gitignore', gitignore(plan));
  add('.env.example', envExample(plan));
  add('alembic.ini', alembicIni());
  add('app/__init__.py', `"""The ${plan.name} service."""\n`);
  add('app/settings.py', settingsPy(plan));
  add('app/db.py', dbPy());
  add('app/types.py', typesPy());
  add('app/errors.py', errorsPy());
  add('app/pagination.py', paginationPy());
  add('app/defaults.py', defaultsPy(plan));
  add('app/models.py', modelsPy(plan));
  add('app/schemas.py', schemasPy(plan));
  add('app/routers/__init__.py', routersInitPy(plan));
  for (const table of entityTables(plan)) add(`app/routers/${table.name}.py`, routerPy(plan, table));
  add('app/main.py', mainPy(plan));
  add('migrations/env.py', alembicEnvPy());
  add('migrations/script.py.mako', scriptMako());
  add(migrationPath(plan), migrationPy(plan));
  add('tests/__init__.py', '"""Tests of the service, against a real database."""\n');
  add('tests/conftest.py', conftestPy());
  add('tests/factories.py', factoriesPy(plan, inventory.warnings).source);
  for (const table of entityTables(plan)) add(`tests/test_${table.name}.py`, tablesTestPy(plan, table, inventory));
  add('tests/test_relationships.py', relationshipsTestPy(plan, inventory));
  add('tests/test_migrations.py', migrationsTestPy());
  inventory.files['tests/test_migrations.py'] = ['test_migration_matches_the_models'];
  return { files, tests: inventory };
}

const PURPOSES: [RegExp, string][] = [
  [/^pyproject\.toml$/, 'Project metadata, pinned dependencies, ruff/mypy/pytest settings'],
  [/^requirements\.lock$/, 'Every Python package pinned (direct and transitive)'],
  [/^README\.md$/, 'How to run it, the routes, curl examples'],
  [/^\.gitignore$/, 'Files git ignores'],
  [/^\.env\.example$/, 'Configuration variables (DATABASE_URL)'],
  [/^alembic\.ini$/, 'Alembic configuration'],
  [/^app\/__init__\.py$/, 'The application package'],
  [/^app\/settings\.py$/, 'Settings from the environment'],
  [/^app\/db\.py$/, 'Engine, sessions, declarative base with constraint naming'],
  [/^app\/types\.py$/, 'UTC datetime column type'],
  [/^app\/errors\.py$/, 'Database errors to 404/409/422'],
  [/^app\/pagination\.py$/, 'Paging parameters and the page schema'],
  [/^app\/defaults\.py$/, 'Column defaults of the model'],
  [/^app\/models\.py$/, 'SQLAlchemy 2 models (typed Mapped[])'],
  [/^app\/schemas\.py$/, 'Pydantic v2 schemas: Create, Update, Summary, Read'],
  [/^app\/routers\/__init__\.py$/, 'The list of routers'],
  [/^app\/routers\/(\w+)\.py$/, 'CRUD, paging, filtering, sorting and relationship routes of $1'],
  [/^app\/main\.py$/, 'The FastAPI application'],
  [/^migrations\/env\.py$/, 'Alembic environment'],
  [/^migrations\/script\.py\.mako$/, 'Template of later migrations'],
  [/^migrations\/versions\/.*\.py$/, 'Initial migration (revision id derived from the plan)'],
  [/^tests\/__init__\.py$/, 'The tests package'],
  [/^tests\/conftest\.py$/, 'A fresh real database per test'],
  [/^tests\/factories\.py$/, 'Valid rows of every table'],
  [/^tests\/test_relationships\.py$/, 'Relationship tests: read through, attach/detach, ON DELETE'],
  [/^tests\/test_migrations\.py$/, 'The migration matches the models and can be undone'],
  [/^tests\/test_(\w+)\.py$/, 'Tests of $1: CRUD, 404, 409, 422, paging, filtering, sorting'],
];

function purposeOf(path: string): string {
  for (const [pattern, purpose] of PURPOSES) {
    const m = pattern.exec(path);
    if (m) return purpose.replace('$1', m[1] ?? '');
  }
  return 'Generated file';
}

export const fastapiTarget: Target = {
  name: 'fastapi',
  title: 'FastAPI + SQLAlchemy 2 + Pydantic v2 + Alembic (Python 3.11)',
  files(plan) {
    return generateFastapi(plan).files.map((f) => ({ path: f.path, purpose: purposeOf(f.path) }));
  },
  generate(plan) {
    return generateFastapi(plan).files;
  },
  gate(projectDir, options) {
    return gatePython(projectDir, options);
  },
};

export default fastapiTarget;
