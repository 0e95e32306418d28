import {
  decimalText,
  entityTables,
  filterable,
  joinRelations,
  maxLength,
  pkColumn,
  QUERY_NAMES,
  sortable,
  tableOf,
  tableUniques,
  writableColumns,
} from './columns.ts';
import type { Plan, PlannedColumn, PlannedRelation, PlannedTable } from './contract.ts';
import { exploded, Imports, type Item, pyModule, wrap } from './layout.ts';
import { pyStr } from './python.ts';
import { patternSamples } from './regex-sample.ts';

/** A single-quoted key for use inside an f-string (identifiers only: nothing to escape). */
function sq(name: string): string {
  return `'${name}'`;
}

/** How many distinct valid values a pattern column's factory cycles through. */
const PATTERN_SAMPLES = 32;

export interface TestInventory {
  /** Test functions per file (what the gate should see pass). */
  files: Record<string, string[]>;
  warnings: string[];
}

export function conftestPy(): string {
  const imports = new Imports()
    .import('os')
    .from('collections.abc', 'Iterator')
    .import('pytest')
    .from('fastapi.testclient', 'TestClient')
    .from('sqlalchemy', 'Engine')
    .from('sqlalchemy.orm', 'Session', 'sessionmaker')
    .from('app.db', 'Base', 'get_session', 'make_engine')
    .from('app.main', 'app');
  return pyModule(
    'Fixtures: a real database emptied for every test (SQLite in memory, or TEST_DATABASE_URL).',
    imports,
    [
      'TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://")',
      [
        '@pytest.fixture(scope="session")',
        'def engine() -> Iterator[Engine]:',
        '    """One engine for the whole run."""',
        '    engine = make_engine(TEST_DATABASE_URL)',
        '    yield engine',
        '    Base.metadata.drop_all(engine)',
        '    engine.dispose()',
      ].join('\n'),
      [
        '@pytest.fixture',
        'def client(engine: Engine) -> Iterator[TestClient]:',
        '    """A client of the app on freshly created tables."""',
        '    Base.metadata.drop_all(engine)',
        '    Base.metadata.create_all(engine)',
        '    sessions = sessionmaker(engine, expire_on_commit=False)',
        '',
        '    def session_override() -> Iterator[Session]:',
        '        with sessions() as session:',
        '            yield session',
        '',
        '    app.dependency_overrides[get_session] = session_override',
        '    with TestClient(app) as test_client:',
        '        yield test_client',
        '    app.dependency_overrides.clear()',
      ].join('\n'),
    ],
  );
}

/** The Python expression (in tests/factories.py, with `n` in scope) of a valid value for the column. */
function sampleExpr(table: PlannedTable, c: PlannedColumn, samples: Map<string, string>): string {
  const check = c.check ?? {};
  switch (c.type) {
    case 'string':
    case 'text': {
      const constant = samples.get(`${table.name}.${c.name}`);
      if (constant) return `pick(${constant}, n)`;
      const low = check.minLength ?? 0;
      const high = maxLength(c) ?? 10000;
      return `text(${pyStr(c.name)}, n, ${low}, ${high})`;
    }
    case 'integer':
    case 'bigint': {
      const low = check.min !== undefined ? Math.ceil(check.min) : 0;
      const high = check.max !== undefined ? Math.floor(check.max) : undefined;
      return high === undefined ? `number(n, ${low})` : `number(n, ${low}, ${high})`;
    }
    case 'decimal': {
      const scale = c.scale ?? 0;
      const precision = c.precision ?? 10;
      const unit = 10 ** -scale;
      // Samples stay small: a wide decimal still gets ordinary values.
      const limit = Math.min(10 ** (precision - scale) - unit, 1_000_000);
      const low = Math.max(check.min ?? 0, -limit);
      const high = Math.min(check.max ?? limit, limit);
      return `decimal(n, ${pyStr(decimalText(low, scale))}, ${pyStr(decimalText(high, scale))}, ${scale})`;
    }
    case 'boolean':
      return 'n % 2 == 1';
    case 'date':
      return 'day(n)';
    case 'datetime':
      return 'moment(n)';
    case 'uuid':
      return 'uuid_text(n)';
    case 'json':
      return '{"n": n}';
    case 'enum': {
      const constant = samples.get(`${table.name}.${c.name}`);
      if (constant) return `pick(${constant}, n)`;
      const values = c.values ?? [];
      const tuple = values.length === 1 ? `(${pyStr(values[0] ?? '')},)` : `(${values.map(pyStr).join(', ')})`;
      return `${tuple}[n % ${values.length}]`;
    }
    default:
      throw new Error(`unknown column type ${String(c.type)}`);
  }
}

function factoryName(table: PlannedTable): string {
  return `create_${table.singular}`;
}

function payloadName(table: PlannedTable): string {
  return `${table.singular}_payload`;
}

/** tests/factories.py: valid bodies and created rows of every table; parents created as needed. */
export function factoriesPy(plan: Plan, warnings: string[]): { source: string; samples: Map<string, string> } {
  const imports = new Imports()
    .import('itertools')
    .from('datetime', 'UTC', 'date', 'datetime', 'timedelta')
    .from('decimal', 'Decimal')
    .from('typing', 'Any')
    .import('uuid')
    .from('fastapi.testclient', 'TestClient');
  const samples = new Map<string, string>();
  const constants: string[] = [];
  for (const table of plan.tables) {
    for (const c of ownColumns(table).filter((x) => x.type === 'enum')) {
      const name = `${table.name}_${c.name}_choices`.toUpperCase();
      samples.set(`${table.name}.${c.name}`, name);
      const values = (c.values ?? []).map(pyStr);
      constants.push(values.length === 1 ? `${name} = (${values[0]},)` : wrap('', `${name} = `, values, '', '(', ')'));
    }
    for (const c of ownColumns(table)) {
      const pattern = c.check?.pattern;
      if (pattern === undefined || (c.type !== 'string' && c.type !== 'text')) continue;
      const found = patternSamples(pattern, PATTERN_SAMPLES, c.check?.minLength ?? 0, maxLength(c) ?? 10000);
      if (found.valid.length === 0) {
        warnings.push(
          `fastapi: no sample value matches the pattern of ${table.name}.${c.name}; its tests will fail until the pattern is simplified`,
        );
        continue;
      }
      const name = `${table.name}_${c.name}_samples`.toUpperCase();
      samples.set(`${table.name}.${c.name}`, name);
      constants.push(exploded('', `${name} = `, found.valid.map(pyStr), '', '(', ')'));
    }
  }
  const helpers = [
    [
      '_serial = itertools.count(1000)',
      '',
      '',
      'def serial() -> int:',
      '    """A number not used before in this run (row numbers below 1000 are left to the tests)."""',
      '    return next(_serial)',
    ].join('\n'),
    [
      'def text(stem: str, n: int, low: int, high: int) -> str:',
      '    """A distinct string for row n within [low, high] characters, sorting in n\'s order."""',
      '    value = f"{stem}-{n:05d}"',
      '    if len(value) < low:',
      '        value += "x" * (low - len(value))',
      '    return value[-high:] if len(value) > high else value',
    ].join('\n'),
    [
      'def number(n: int, low: int, high: int | None = None) -> int:',
      '    """A distinct integer for row n within [low, high]."""',
      '    if high is None:',
      '        return low + n',
      '    return low + n % (high - low + 1)',
    ].join('\n'),
    [
      'def decimal(n: int, low: str, high: str, scale: int) -> str:',
      '    """A decimal for row n within [low, high], written with `scale` fraction digits."""',
      '    start, end = Decimal(low), Decimal(high)',
      '    span = int(end - start)',
      '    value = start + (n % (span + 1) if span >= 0 else 0)',
      '    return f"{value:.{scale}f}"',
    ].join('\n'),
    [
      'def day(n: int) -> str:',
      '    """A date for row n."""',
      '    return (date(2024, 1, 1) + timedelta(days=n)).isoformat()',
    ].join('\n'),
    [
      'def moment(n: int) -> str:',
      '    """A UTC time for row n, written as the API writes it."""',
      '    value = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=n)',
      '    return value.isoformat().replace("+00:00", "Z")',
    ].join('\n'),
    ['def uuid_text(n: int) -> str:', '    """A UUID for row n."""', '    return str(uuid.UUID(int=n + 1))'].join('\n'),
    [
      'def pick(values: tuple[str, ...], n: int) -> str:',
      '    """The value for row n from a fixed list (enum values, samples of a pattern)."""',
      '    return values[n % len(values)]',
    ].join('\n'),
  ];
  const blocks: string[] = [...(constants.length > 0 ? [constants.join('\n')] : []), ...helpers];
  for (const table of entityTables(plan)) {
    const entries: Item[] = [];
    for (const c of writableColumns(table)) {
      if (c.references) {
        if (c.nullable) continue;
        const parent = tableOf(plan, c.references.table);
        entries.push(`${pyStr(c.name)}: ${factoryName(parent)}(client)[${pyStr(c.references.column)}]`);
      } else {
        entries.push(sampleItem(`${pyStr(c.name)}: `, sampleExpr(table, c, samples)));
      }
    }
    const needsClient = writableColumns(table).some((c) => c.references && !c.nullable);
    blocks.push(
      [
        wrap('', `def ${payloadName(table)}`, ['client: TestClient', 'n: int | None = None'], ' -> dict[str, Any]:'),
        `    """A valid body for POST /${table.name}; row number n gives values that sort in n's order."""`,
        ...(needsClient ? [] : ['    del client  # this table needs no parent rows']),
        ...(entries.length > 0 ? ['    n = serial() if n is None else n'] : ['    del n']),
        exploded('    ', 'return ', entries, '', '{', '}'),
      ].join('\n'),
    );
    blocks.push(
      [
        wrap(
          '',
          `def ${factoryName(table)}`,
          ['client: TestClient', 'n: int | None = None', '**changes: Any'],
          ' -> dict[str, Any]:',
        ),
        `    """Creates a row of ${table.name} through the API and returns it."""`,
        `    payload = ${payloadName(table)}(client, n)`,
        '    payload.update(changes)',
        `    response = client.post(${pyStr(`/${table.name}`)}, json=payload)`,
        '    assert response.status_code == 201, response.text',
        '    created: dict[str, Any] = response.json()',
        '    return created',
      ].join('\n'),
    );
  }
  for (const join of plan.tables.filter((t) => t.isJoinTable)) {
    const own = ownColumns(join);
    if (own.length === 0) continue;
    blocks.push(
      [
        wrap('', `def ${linkPayloadName(join)}`, ['n: int | None = None'], ' -> dict[str, Any]:'),
        `    """A valid body for linking two rows through ${join.name}."""`,
        '    n = serial() if n is None else n',
        exploded(
          '    ',
          'return ',
          own.map((c) => sampleItem(`${pyStr(c.name)}: `, sampleExpr(join, c, samples))),
          '',
          '{',
          '}',
        ),
      ].join('\n'),
    );
  }
  const source = pyModule(
    'Valid rows for the tests: every call gives new values, so unique columns never collide.',
    imports,
    blocks,
  );
  return { source, samples };
}

/** A dict entry whose value is a `pick(CONSTANT, n)` call: split like a call when too long. */
function sampleItem(key: string, expr: string): Item {
  const m = /^pick\((\w+), n\)$/.exec(expr);
  return m ? { head: `${key}pick`, args: [m[1] ?? '', 'n'] } : `${key}${expr}`;
}

/** Columns of a table that are neither its key nor a foreign key (a join table's own columns). */
function ownColumns(table: PlannedTable): PlannedColumn[] {
  return table.columns.filter((c) => !c.primaryKey && !c.references && !table.primaryKey.includes(c.name));
}

function linkPayloadName(join: PlannedTable): string {
  return `${join.singular}_link_payload`;
}

/** `for name in (items):` with a one-item tuple written as one. */
function forIn(indent: string, name: string, items: string[]): string {
  if (items.length === 1) return `${indent}for ${name} in (${items[0]},):`;
  return wrap(indent, `for ${name} in `, items, ':', '(', ')');
}

/** A primary key no row has, as text (for paths). */
function missingKeyText(table: PlannedTable): string {
  return pkColumn(table).type === 'uuid' ? '00000000-0000-0000-0000-000000000000' : '999999';
}

/** The same key as a Python literal (for bodies). */
function missingKey(table: PlannedTable): string {
  const text = missingKeyText(table);
  return pkColumn(table).type === 'uuid' ? pyStr(text) : text;
}

/** Python literal of a value the API must refuse for `check`, or undefined when none can be named. */
function invalidValues(table: PlannedTable, c: PlannedColumn): { name: string; expr: string }[] {
  const out: { name: string; expr: string }[] = [];
  const check = c.check ?? {};
  if (c.type === 'string' || c.type === 'text') {
    if (check.minLength !== undefined && check.minLength > 0) {
      out.push({ name: 'too_short', expr: `"a" * ${check.minLength - 1}` });
    }
    const max = maxLength(c);
    if (max !== undefined) out.push({ name: 'too_long', expr: `"a" * ${max + 1}` });
    if (check.pattern !== undefined) {
      const found = patternSamples(check.pattern, 1, check.minLength ?? 0, max ?? 10000);
      if (found.invalid !== undefined) out.push({ name: 'not_matching', expr: pyStr(found.invalid) });
    }
  }
  if (c.type === 'integer' || c.type === 'bigint') {
    if (check.min !== undefined) out.push({ name: 'below_min', expr: String(Math.ceil(check.min) - 1) });
    if (check.max !== undefined) out.push({ name: 'above_max', expr: String(Math.floor(check.max) + 1) });
  }
  if (c.type === 'decimal') {
    const scale = c.scale ?? 0;
    const unit = 10 ** -scale;
    if (check.min !== undefined) out.push({ name: 'below_min', expr: pyStr(decimalText(check.min - unit, scale)) });
    if (check.max !== undefined) out.push({ name: 'above_max', expr: pyStr(decimalText(check.max + unit, scale)) });
    const precision = c.precision ?? 10;
    out.push({ name: 'too_many_digits', expr: pyStr(`1${'0'.repeat(precision - scale)}`) });
  }
  if (c.type === 'enum') {
    let bad = 'not_a_choice';
    while ((c.values ?? []).includes(bad)) bad += '_x';
    out.push({ name: 'not_a_choice', expr: pyStr(bad) });
  }
  void table;
  return out;
}

const FIELDS_HELPER = [
  'def error_fields(response: Response) -> set[str]:',
  '    """The body fields a 422 answer names."""',
  '    return {str(error["loc"][-1]) for error in response.json()["detail"]}',
].join('\n');

/** tests/test_<table>.py */
export function tablesTestPy(plan: Plan, table: PlannedTable, inventory: TestInventory): string {
  const path = `tests/test_${table.name}.py`;
  const names: string[] = [];
  const url = `/${table.name}`;
  const pk = pkColumn(table);
  const factory = factoryName(table);
  const payload = payloadName(table);
  const imports = new Imports().from('fastapi.testclient', 'TestClient').from('tests.factories', factory, payload);
  const blocks: string[] = [];
  const test = (name: string, body: string[]) => {
    names.push(name);
    blocks.push([wrap('', `def ${name}`, ['client: TestClient'], ' -> None:'), ...body].join('\n'));
  };
  const updatable = writableColumns(table).find((c) => !c.references);

  test('test_create_read_update_delete', [
    `    payload = ${payload}(client)`,
    `    created = client.post(${pyStr(url)}, json=payload)`,
    '    assert created.status_code == 201, created.text',
    '    row = created.json()',
    '    for field, value in payload.items():',
    '        assert row[field] == value, field',
    `    item = f"${url}/{row[${sq(pk.name)}]}"`,
    '    read = client.get(item)',
    '    assert read.status_code == 200',
    '    assert read.json() == row',
    ...(updatable
      ? [
          `    new_value = ${payload}(client)[${pyStr(updatable.name)}]`,
          `    changed = client.patch(item, json={${pyStr(updatable.name)}: new_value})`,
          '    assert changed.status_code == 200, changed.text',
          `    assert changed.json()[${pyStr(updatable.name)}] == new_value`,
          `    assert client.get(item).json()[${pyStr(updatable.name)}] == new_value`,
        ]
      : []),
    '    assert client.delete(item).status_code == 204',
    '    assert client.get(item).status_code == 404',
  ]);

  test('test_missing_row_is_404', [
    `    item = ${pyStr(`${url}/${missingKeyText(table)}`)}`,
    '    assert client.get(item).status_code == 404',
    '    assert client.patch(item, json={}).status_code == 404',
    '    assert client.delete(item).status_code == 404',
  ]);

  const required = writableColumns(table).filter((c) => !c.nullable);
  if (required.length > 0) {
    const first = required[0] as PlannedColumn;
    test('test_required_column_cannot_be_nulled', [
      `    row = ${factory}(client)`,
      `    response = client.patch(f"${url}/{row[${sq(pk.name)}]}", json={${pyStr(first.name)}: None})`,
      '    assert response.status_code == 422',
      `    assert ${pyStr(first.name)} in error_fields(response)`,
    ]);
  }

  for (const unique of tableUniques(table)) {
    const label = unique.join('_');
    // Optional foreign keys are left out of the factory's rows: the rows compared here name a parent.
    const optionalRefs = unique.flatMap((u) => {
      const c = table.columns.find((x) => x.name === u);
      return c?.references && c.nullable ? [c] : [];
    });
    for (const c of optionalRefs)
      imports.from('tests.factories', factoryName(tableOf(plan, c.references?.table ?? '')));
    const parents = optionalRefs.map(
      (c) =>
        `${pyStr(c.name)}: ${factoryName(tableOf(plan, c.references?.table ?? ''))}(client)[${pyStr(c.references?.column ?? '')}]`,
    );
    test(`test_unique_${label}_conflict_is_409`, [
      parents.length > 0
        ? wrap('    ', `first = ${factory}`, ['client', `**{${parents.join(', ')}}`])
        : `    first = ${factory}(client)`,
      `    second = ${payload}(client)`,
      ...unique.map((u) => `    second[${pyStr(u)}] = first[${pyStr(u)}]`),
      `    assert client.post(${pyStr(url)}, json=second).status_code == 409`,
      `    other = ${factory}(client)`,
      `    change = {${unique.map((u) => `${pyStr(u)}: first[${pyStr(u)}]`).join(', ')}}`,
      `    response = client.patch(f"${url}/{other[${sq(pk.name)}]}", json=change)`,
      '    assert response.status_code == 409',
      `    assert client.get(f"${url}/{other[${sq(pk.name)}]}").json() == other`,
    ]);
  }

  for (const c of writableColumns(table)) {
    for (const bad of invalidValues(table, c)) {
      test(`test_${c.name}_${bad.name}_is_422`, [
        `    payload = ${payload}(client)`,
        `    payload[${pyStr(c.name)}] = ${bad.expr}`,
        `    response = client.post(${pyStr(url)}, json=payload)`,
        '    assert response.status_code == 422',
        `    assert ${pyStr(c.name)} in error_fields(response)`,
        `    row = ${factory}(client)`,
        `    item = f"${url}/{row[${sq(pk.name)}]}"`,
        `    response = client.patch(item, json={${pyStr(c.name)}: ${bad.expr}})`,
        '    assert response.status_code == 422',
        '    assert client.get(item).json() == row',
      ]);
    }
  }

  for (const c of writableColumns(table).filter((c) => c.references)) {
    const target = tableOf(plan, c.references?.table ?? '');
    test(`test_${c.name}_must_name_an_existing_${target.singular}`, [
      `    payload = ${payload}(client)`,
      `    payload[${pyStr(c.name)}] = ${missingKey(target)}`,
      `    response = client.post(${pyStr(url)}, json=payload)`,
      '    assert response.status_code == 422',
      `    assert ${pyStr(c.name)} in error_fields(response)`,
      `    row = ${factory}(client)`,
      `    item = f"${url}/{row[${sq(pk.name)}]}"`,
      `    response = client.patch(item, json={${pyStr(c.name)}: ${missingKey(target)}})`,
      '    assert response.status_code == 422',
    ]);
  }

  test('test_pagination_boundaries', [
    '    for n in range(3):',
    `        ${factory}(client, n)`,
    `    page = client.get(${pyStr(url)}, params={"limit": 2}).json()`,
    `    assert (len(page["items"]), page["total"], page["limit"], page["offset"]) == (2, 3, 2, 0)`,
    `    page = client.get(${pyStr(url)}, params={"limit": 2, "offset": 2}).json()`,
    '    assert len(page["items"]) == 1',
    `    assert client.get(${pyStr(url)}, params={"offset": 3}).json()["items"] == []`,
    `    assert client.get(${pyStr(url)}, params={"limit": 100}).status_code == 200`,
    '    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "x"}):',
    `        assert client.get(${pyStr(url)}, params=bad).status_code == 422, bad`,
  ]);

  const filters = table.columns.filter((c) => !c.primaryKey && filterable(c) && !QUERY_NAMES.has(c.name));
  if (filters.length > 0) {
    test('test_filter_by_column_equality', [
      `    first = ${factory}(client, 0)`,
      `    second = ${factory}(client, 1)`,
      forIn(
        '    ',
        'column',
        filters.map((c) => pyStr(c.name)),
      ),
      '        if first[column] is None:',
      '            continue',
      `        response = client.get(${pyStr(url)}, params={column: first[column]})`,
      '        assert response.status_code == 200, column',
      `        keys = [row[${pyStr(pk.name)}] for row in response.json()["items"]]`,
      `        assert first[${pyStr(pk.name)}] in keys, column`,
      '        if second[column] != first[column]:',
      `            assert second[${pyStr(pk.name)}] not in keys, column`,
    ]);
  }

  const sorts = table.columns.filter((c) => sortable(c) && !c.references);
  const decimals = sorts.filter((c) => c.type === 'decimal').map((c) => c.name);
  imports.from('typing', 'Any');
  test('test_sorting_asc_and_desc', [
    '    for n in range(3):',
    `        ${factory}(client, n)`,
    forIn(
      '    ',
      'column',
      sorts.map((c) => pyStr(c.name)),
    ),
    '        for order in ("asc", "desc"):',
    '            params = {"sort": column, "order": order}',
    `            response = client.get(${pyStr(url)}, params=params)`,
    '            assert response.status_code == 200, params',
    '            values = [sort_key(column, row[column]) for row in response.json()["items"]]',
    '            assert len(values) == 3',
    '            assert values == sorted(values, reverse=order == "desc"), params',
    `    assert client.get(${pyStr(url)}, params={"sort": "no_such_column"}).status_code == 422`,
  ]);
  if (decimals.length > 0) imports.from('decimal', 'Decimal');
  blocks.push(
    [
      'def sort_key(column: str, value: Any) -> Any:',
      '    """Values as the database orders them (decimals arrive as text)."""',
      ...(decimals.length > 0
        ? [`    if column in {${decimals.map(pyStr).join(', ')}}:`, '        return Decimal(value)']
        : ['    del column']),
      '    return value',
    ].join('\n'),
  );

  imports.from('httpx', 'Response');
  blocks.unshift(FIELDS_HELPER);
  inventory.files[path] = names;
  return pyModule(
    `Tests of ${url}: CRUD, 404, unique and declared constraints, references, paging, filtering, sorting.`,
    imports,
    blocks,
  );
}

interface FkRelationship {
  index: number;
  child: PlannedTable;
  parent: PlannedTable;
  column: PlannedColumn;
  childSide: PlannedRelation;
  parentSide?: PlannedRelation;
}

interface JoinRelationship {
  index: number;
  from: PlannedTable;
  side: PlannedRelation & { via: { kind: 'join'; joinTable: string; ownColumn: string; targetColumn: string } };
  to: PlannedTable;
  back?: PlannedRelation;
}

function relationships(plan: Plan): { fks: FkRelationship[]; joins: JoinRelationship[] } {
  const fks: FkRelationship[] = [];
  const joins: JoinRelationship[] = [];
  const seenJoin = new Set<number>();
  for (const table of entityTables(plan)) {
    for (const r of table.relations) {
      if (r.via.kind === 'fk-here') {
        const via = r.via;
        const column = table.columns.find((c) => c.name === via.column);
        if (!column) continue;
        const parent = tableOf(plan, r.target);
        const parentSide = parent.relations.find(
          (p) => p.relationshipIndex === r.relationshipIndex && p.via.kind === 'fk-there',
        );
        fks.push({
          index: r.relationshipIndex,
          child: table,
          parent,
          column,
          childSide: r,
          ...(parentSide ? { parentSide } : {}),
        });
      }
    }
    for (const r of joinRelations(table)) {
      if (seenJoin.has(r.relationshipIndex)) continue;
      seenJoin.add(r.relationshipIndex);
      const to = tableOf(plan, r.target);
      const back = to.relations.find(
        (p) => p.relationshipIndex === r.relationshipIndex && p.via.kind === 'join' && p.field === r.inverse,
      );
      joins.push({ index: r.relationshipIndex, from: table, side: r, to, ...(back ? { back } : {}) });
    }
  }
  return { fks, joins };
}

/** tests/test_relationships.py */
export function relationshipsTestPy(plan: Plan, inventory: TestInventory): string | undefined {
  const path = 'tests/test_relationships.py';
  const { fks, joins } = relationships(plan);
  if (fks.length === 0 && joins.length === 0) return undefined;
  const imports = new Imports().from('fastapi.testclient', 'TestClient');
  const names: string[] = [];
  const blocks: string[] = [];
  const test = (name: string, body: string[]) => {
    names.push(name);
    blocks.push([wrap('', `def ${name}`, ['client: TestClient'], ' -> None:'), ...body].join('\n'));
  };
  for (const rel of fks) {
    const { child, parent, column, childSide, parentSide } = rel;
    const parentPk = pkColumn(parent).name;
    const childPk = pkColumn(child).name;
    const makeParent = factoryName(parent);
    const makeChild = factoryName(child);
    imports.from('tests.factories', makeParent, makeChild);
    const base = `test_${child.name}_${column.name}`;
    const body = [
      `    parent = ${makeParent}(client)`,
      `    child = ${makeChild}(client, **{${pyStr(column.name)}: parent[${pyStr(parentPk)}]})`,
      `    read = client.get(f"/${child.name}/{child[${sq(childPk)}]}").json()`,
      `    assert read[${pyStr(childSide.field)}][${pyStr(parentPk)}] == parent[${pyStr(parentPk)}]`,
    ];
    if (parentSide) {
      body.push(`    parent_item = f"/${parent.name}/{parent[${sq(parentPk)}]}"`);
      body.push(`    through = client.get(parent_item).json()[${pyStr(parentSide.field)}]`);
      if (parentSide.cardinality === 'many') {
        body.push(`    assert child[${pyStr(childPk)}] in [row[${pyStr(childPk)}] for row in through]`);
        body.push(`    listed = client.get(f"{parent_item}/${parentSide.field}").json()`);
        body.push(`    assert child[${pyStr(childPk)}] in [row[${pyStr(childPk)}] for row in listed]`);
      } else {
        body.push(`    assert through[${pyStr(childPk)}] == child[${pyStr(childPk)}]`);
      }
    }
    test(`${base}_reads_through_both_sides`, body);

    const onDelete = column.references?.onDelete ?? 'restrict';
    const del = [
      `    parent = ${makeParent}(client)`,
      `    child = ${makeChild}(client, **{${pyStr(column.name)}: parent[${pyStr(parentPk)}]})`,
      `    parent_item = f"/${parent.name}/{parent[${sq(parentPk)}]}"`,
      `    child_item = f"/${child.name}/{child[${sq(childPk)}]}"`,
    ];
    if (onDelete === 'cascade') {
      del.push(
        '    assert client.delete(parent_item).status_code == 204',
        '    assert client.get(child_item).status_code == 404',
      );
    } else if (onDelete === 'set-null') {
      del.push(
        '    assert client.delete(parent_item).status_code == 204',
        '    read = client.get(child_item)',
        '    assert read.status_code == 200',
        `    assert read.json()[${pyStr(column.name)}] is None`,
      );
    } else {
      del.push(
        '    assert client.delete(parent_item).status_code == 409',
        '    assert client.get(parent_item).status_code == 200',
        `    assert client.get(child_item).json()[${pyStr(column.name)}] == parent[${pyStr(parentPk)}]`,
      );
    }
    test(`${base}_on_delete_${onDelete.replace('-', '_')}`, del);
  }
  for (const rel of joins) {
    const { from, side, to, back } = rel;
    const fromPk = pkColumn(from).name;
    const toPk = pkColumn(to).name;
    imports.from('tests.factories', factoryName(from), factoryName(to));
    const join = tableOf(plan, side.via.joinTable);
    const own = ownColumns(join);
    if (own.length > 0) imports.from('tests.factories', linkPayloadName(join));
    const linkBody = own.length > 0 ? `, json=${linkPayloadName(join)}()` : '';
    const base = `test_${join.name}_${side.field}`;
    const setup = [
      `    source = ${factoryName(from)}(client)`,
      `    target = ${factoryName(to)}(client${from.name === to.name ? ', 1' : ''})`,
      `    source_item = f"/${from.name}/{source[${sq(fromPk)}]}"`,
      `    target_item = f"/${to.name}/{target[${sq(toPk)}]}"`,
      `    link = f"{source_item}/${side.field}/{target[${sq(toPk)}]}"`,
    ];
    const attach = `client.post(link${linkBody})`;
    const body = [
      ...setup,
      `    attached = ${attach}`,
      '    assert attached.status_code == 201, attached.text',
      `    assert ${attach}.status_code == 409`,
      `    listed = client.get(f"{source_item}/${side.field}").json()`,
      `    assert [row[${pyStr(toPk)}] for row in listed] == [target[${pyStr(toPk)}]]`,
      `    nested = client.get(source_item).json()[${pyStr(side.field)}]`,
      `    assert [row[${pyStr(toPk)}] for row in nested] == [target[${pyStr(toPk)}]]`,
    ];
    if (back) {
      body.push(
        `    back = client.get(f"{target_item}/${back.field}").json()`,
        `    assert [row[${pyStr(fromPk)}] for row in back] == [source[${pyStr(fromPk)}]]`,
      );
    }
    body.push(
      `    missing = f"{source_item}/${side.field}/${missingKeyText(to)}"`,
      `    assert client.post(missing${linkBody}).status_code == 404`,
      '    assert client.delete(link).status_code == 204',
      '    assert client.delete(link).status_code == 404',
      `    assert client.get(f"{source_item}/${side.field}").json() == []`,
    );
    test(`${base}_attach_read_detach`, body);
    const gone = [
      ...setup,
      `    assert ${attach}.status_code == 201`,
      '    assert client.delete(source_item).status_code == 204',
    ];
    if (back && from.name !== to.name) {
      gone.push(`    assert client.get(f"{target_item}/${back.field}").json() == []`);
    }
    gone.push('    assert client.get(target_item).status_code == 200');
    test(`${base}_links_go_with_a_deleted_row`, gone);
  }
  inventory.files[path] = names;
  return pyModule('Tests of every relationship: reading through it, attach/detach, ON DELETE.', imports, blocks);
}

export function migrationsTestPy(): string {
  const imports = new Imports()
    .from('alembic', 'command')
    .from('alembic.autogenerate', 'compare_metadata')
    .from('alembic.config', 'Config')
    .from('alembic.migration', 'MigrationContext')
    .from('sqlalchemy', 'Engine', 'inspect')
    .from('app.db', 'Base');
  return pyModule('The migration builds exactly the schema of the models, and can be undone.', imports, [
    [
      'def test_migration_matches_the_models(engine: Engine) -> None:',
      '    Base.metadata.drop_all(engine)',
      '    config = Config("alembic.ini")',
      '    with engine.begin() as connection:',
      '        config.attributes["connection"] = connection',
      '        command.upgrade(config, "head")',
      '    with engine.connect() as connection:',
      '        context = MigrationContext.configure(connection, opts={"compare_type": True})',
      '        assert compare_metadata(context, Base.metadata) == []',
      '    with engine.begin() as connection:',
      '        config.attributes["connection"] = connection',
      '        command.downgrade(config, "base")',
      '    with engine.begin() as connection:',
      '        assert inspect(connection).get_table_names() == ["alembic_version"]',
      '        connection.exec_driver_sql("DROP TABLE alembic_version")',
    ].join('\n'),
  ]);
}
