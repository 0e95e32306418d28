import {
  boundLiteral,
  constraintName,
  dataColumns,
  defaultConstant,
  defaultFactory,
  defaultValue,
  entityTables,
  enumAlias,
  filterable,
  hasDefault,
  joinRelations,
  manyRelations,
  maxLength,
  pkColumn,
  pyType,
  QUERY_NAMES,
  saType,
  sortable,
  tableIndexes,
  tableOf,
  tableUniques,
  writableColumns,
} from './columns.ts';
import type { Plan, PlannedColumn, PlannedRelation, PlannedTable } from './contract.ts';
import { assignAtom, call, exploded, hug, Imports, type Item, pyModule, singleTuple, wrap } from './layout.ts';
import { pyStr } from './python.ts';

const ON_DELETE = { cascade: 'CASCADE', 'set-null': 'SET NULL', restrict: 'RESTRICT' } as const;

export function settingsPy(plan: Plan): string {
  const imports = new Imports()
    .from('functools', 'lru_cache')
    .from('pydantic', 'field_validator')
    .from('pydantic_settings', 'BaseSettings', 'SettingsConfigDict');
  const settings = [
    'class Settings(BaseSettings):',
    '    """Configuration from the environment (or a .env file): DATABASE_URL, SQL_ECHO."""',
    '',
    '    model_config = SettingsConfigDict(env_file=".env", extra="ignore")',
    '',
    assignAtom('    ', 'database_url: str', pyStr(`sqlite:///./${plan.name}.db`)),
    '    sql_echo: bool = False',
    '',
    '    @field_validator("database_url")',
    '    @classmethod',
    '    def use_psycopg(cls, value: str) -> str:',
    '        """postgres:// and postgresql:// URLs use the psycopg 3 driver."""',
    '        for scheme in ("postgres://", "postgresql://"):',
    '            if value.startswith(scheme):',
    '                return "postgresql+psycopg://" + value.removeprefix(scheme)',
    '        return value',
  ].join('\n');
  const get = [
    '@lru_cache',
    'def get_settings() -> Settings:',
    '    """The settings, read once."""',
    '    return Settings()',
  ].join('\n');
  return pyModule('Settings of the service, read from the environment.', imports, [settings, get]);
}

export function dbPy(): string {
  const imports = new Imports()
    .from('collections.abc', 'Iterator')
    .from('typing', 'Annotated', 'Any')
    .from('fastapi', 'Depends')
    .from('sqlalchemy', 'Engine', 'MetaData', 'create_engine', 'event')
    .from('sqlalchemy.orm', 'DeclarativeBase', 'Session', 'sessionmaker')
    .from('sqlalchemy.pool', 'StaticPool')
    .from('app.settings', 'get_settings');
  const blocks = [
    [
      '# Constraint names are part of the schema: the migration uses the same ones.',
      'NAMING_CONVENTION = {',
      '    "ix": "ix_%(table_name)s_%(column_0_N_name)s",',
      '    "uq": "uq_%(table_name)s_%(column_0_N_name)s",',
      '    "ck": "ck_%(table_name)s_%(constraint_name)s",',
      '    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",',
      '    "pk": "pk_%(table_name)s",',
      '}',
    ].join('\n'),
    [
      'class Base(DeclarativeBase):',
      '    """Base class of the models."""',
      '',
      '    metadata = MetaData(naming_convention=NAMING_CONVENTION)',
    ].join('\n'),
    [
      'def _enable_foreign_keys(dbapi_connection: Any, _record: Any) -> None:',
      '    """SQLite checks foreign keys (and ON DELETE) only when asked, per connection."""',
      '    cursor = dbapi_connection.cursor()',
      '    cursor.execute("PRAGMA foreign_keys=ON")',
      '    cursor.close()',
    ].join('\n'),
    [
      'def make_engine(url: str, echo: bool = False) -> Engine:',
      '    """An engine for `url`; SQLite gets foreign keys on, and one shared connection when in memory."""',
      '    if not url.startswith("sqlite"):',
      '        return create_engine(url, echo=echo, pool_pre_ping=True)',
      '    in_memory = url in ("sqlite://", "sqlite:///:memory:")',
      '    engine = create_engine(',
      '        url,',
      '        echo=echo,',
      '        connect_args={"check_same_thread": False},',
      '        poolclass=StaticPool if in_memory else None,',
      '    )',
      '    event.listen(engine, "connect", _enable_foreign_keys)',
      '    return engine',
    ].join('\n'),
    [
      'engine = make_engine(get_settings().database_url, echo=get_settings().sql_echo)',
      'SessionLocal = sessionmaker(engine, expire_on_commit=False)',
    ].join('\n'),
    [
      'def get_session() -> Iterator[Session]:',
      '    """One session per request."""',
      '    with SessionLocal() as session:',
      '        yield session',
    ].join('\n'),
    'SessionDep = Annotated[Session, Depends(get_session)]',
  ];
  return pyModule('Database engine, sessions and the declarative base.', imports, blocks);
}

export function typesPy(): string {
  const imports = new Imports()
    .from('datetime', 'UTC', 'date', 'datetime')
    .from('sqlalchemy', 'DateTime', 'Dialect')
    .from('sqlalchemy.types', 'TypeDecorator');
  return pyModule('Column types shared by the models.', imports, [
    [
      'def utc_now() -> datetime:',
      '    """The current time in UTC (the default of "now" columns)."""',
      '    return datetime.now(UTC)',
    ].join('\n'),
    [
      'def utc_today() -> date:',
      '    """The current date in UTC (the default of "now" date columns)."""',
      '    return datetime.now(UTC).date()',
    ].join('\n'),
    [
      'class UTCDateTime(TypeDecorator[datetime]):',
      '    """A time-zone-aware datetime stored in UTC (SQLite, which keeps no zone, gives it back in UTC)."""',
      '',
      '    impl = DateTime(timezone=True)',
      '    cache_ok = True',
      '',
      '    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:',
      '        if value is None:',
      '            return None',
      '        if value.tzinfo is None:',
      '            value = value.replace(tzinfo=UTC)',
      '        return value.astimezone(UTC)',
      '',
      '    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:',
      '        if value is None:',
      '            return None',
      '        if value.tzinfo is None:',
      '            return value.replace(tzinfo=UTC)',
      '        return value.astimezone(UTC)',
    ].join('\n'),
  ]);
}

export function errorsPy(): string {
  const imports = new Imports()
    .from('collections.abc', 'Iterable')
    .from('fastapi', 'HTTPException', 'status')
    .from('sqlalchemy.exc', 'IntegrityError');
  return pyModule(
    'How failed writes become HTTP answers.\n\n' +
      '- 404: the row (or link) does not exist.\n' +
      '- 409: a unique constraint is violated, or a row is still referenced (ON DELETE RESTRICT),\n' +
      '  or a link already exists.\n' +
      '- 422: the body fails a declared constraint (Pydantic), names a missing related row,\n' +
      '  or sets a required column to null; the detail has FastAPI\'s shape ({"loc", "msg", "type"}).\n',
    imports,
    [
      [
        'def not_found(table: str, key: object) -> HTTPException:',
        '    """404 for a missing row."""',
        '    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"{table} {key} not found")',
      ].join('\n'),
      [
        'def missing_reference(field: str, table: str, key: object) -> HTTPException:',
        '    """422 for a foreign key naming a row that does not exist."""',
        '    error = {',
        '        "type": "foreign_key",',
        '        "loc": ["body", field],',
        '        "msg": f"{table} {key} does not exist",',
        '        "input": str(key),',
        '    }',
        '    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[error])',
      ].join('\n'),
      [
        'def reject_nulls(changes: dict[str, object], required: Iterable[str]) -> None:',
        '    """422 when an update sets a required column to null."""',
        '    errors: list[dict[str, object]] = []',
        '    for field in required:',
        '        if field in changes and changes[field] is None:',
        '            error: dict[str, object] = {',
        '                "type": "null",',
        '                "loc": ["body", field],',
        '                "msg": "may not be null",',
        '                "input": None,',
        '            }',
        '            errors.append(error)',
        '    if errors:',
        '        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=errors)',
      ].join('\n'),
      [
        'def integrity_error(error: IntegrityError) -> HTTPException:',
        '    """The HTTP answer to a constraint the database refused (SQLite messages, PostgreSQL SQLSTATEs)."""',
        '    code = getattr(error.orig, "sqlstate", None)',
        '    message = str(error.orig)',
        '    if code == "23505" or "UNIQUE constraint failed" in message:',
        '        detail = "conflicts with an existing row (unique constraint)"',
        '        return HTTPException(status.HTTP_409_CONFLICT, detail=detail)',
        '    if code == "23503" or "FOREIGN KEY constraint failed" in message:',
        '        detail = "the row is referenced by other rows (foreign key)"',
        '        return HTTPException(status.HTTP_409_CONFLICT, detail=detail)',
        '    if code in ("23502", "23514") or "constraint failed" in message:',
        '        return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=message)',
        '    raise error',
      ].join('\n'),
    ],
  );
}

export function paginationPy(): string {
  const imports = new Imports()
    .from('typing', 'Annotated', 'Generic', 'Literal', 'TypeVar')
    .from('fastapi', 'Query')
    .from('pydantic', 'BaseModel');
  return pyModule('Paging and sorting parameters shared by every list route.', imports, [
    [
      'MAX_LIMIT = 100',
      '',
      'Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page, 1 to 100.")]',
      'Offset = Annotated[int, Query(ge=0, description="Rows to skip.")]',
      'Order = Literal["asc", "desc"]',
      '',
      'T = TypeVar("T")',
    ].join('\n'),
    [
      'class Page(BaseModel, Generic[T]):',
      '    """One page of a list: the rows, the total matching rows, and the page asked for."""',
      '',
      '    items: list[T]',
      '    total: int',
      '    limit: int',
      '    offset: int',
    ].join('\n'),
  ]);
}

/** app/defaults.py: every constant column default of the model, once (models and schemas both use them). */
export function defaultsPy(plan: Plan): string | undefined {
  const imports = new Imports().from('typing', 'Final');
  const lines: string[] = [];
  for (const table of plan.tables) {
    for (const c of table.columns) {
      if (!hasDefault(c) || defaultFactory(c)) continue;
      const d = defaultValue(c);
      for (const [m, n] of d.imports) imports.from(m, n);
      if (c.type === 'uuid') imports.import('uuid');
      // An enum's default stays a literal type (bare Final), so it fits the column's Literal[...] type.
      const annotation = c.type === 'enum' ? 'Final' : `Final[${d.annotation}]`;
      const lhs = `${defaultConstant(table, c)}: ${annotation}`;
      if (typeof d.expr !== 'string') lines.push(wrap('', `${lhs} = ${d.expr.head}`, d.expr.args));
      else if (d.expr.includes('\n')) lines.push(`${lhs} = ${d.expr}`);
      else lines.push(assignAtom('', lhs, d.expr));
    }
  }
  if (lines.length === 0) return undefined;
  return pyModule('Column defaults of the data model (used by the models and the schemas).', imports, [
    lines.join('\n'),
  ]);
}

function fkOf(c: PlannedColumn): string {
  const r = c.references;
  if (!r) return '';
  return `sa.ForeignKey(${pyStr(`${r.table}.${r.column}`)}, ondelete=${pyStr(ON_DELETE[r.onDelete])})`;
}

/** The Python type of a relation's attribute, e.g. `list[Post]` or `User | None`. */
function relationType(plan: Plan, table: PlannedTable, r: PlannedRelation): string {
  const target = tableOf(plan, r.target).className;
  if (r.cardinality === 'many') return `list[${target}]`;
  if (r.via.kind === 'fk-here') {
    const column = table.columns.find((c) => c.name === (r.via as { column: string }).column);
    return column?.nullable === false ? target : `${target} | None`;
  }
  return `${target} | None`;
}

function relationshipArgs(plan: Plan, table: PlannedTable, r: PlannedRelation): string[] {
  const target = tableOf(plan, r.target);
  const pk = pkColumn(table);
  const targetPk = pkColumn(target);
  switch (r.via.kind) {
    case 'fk-here': {
      const args = [
        `back_populates=${pyStr(r.inverse)}`,
        `foreign_keys=${pyStr(`${table.className}.${r.via.column}`)}`,
      ];
      if (r.target === table.name) args.push(`remote_side=${pyStr(`${table.className}.${pk.name}`)}`);
      return args;
    }
    case 'fk-there': {
      const args = [
        `back_populates=${pyStr(r.inverse)}`,
        `foreign_keys=${pyStr(`${target.className}.${r.via.column}`)}`,
      ];
      if (r.cardinality === 'many') args.push(`order_by=${pyStr(`${target.className}.${targetPk.name}`)}`);
      args.push('passive_deletes="all"');
      return args;
    }
    case 'join': {
      const j = r.via;
      return [
        `secondary=${pyStr(j.joinTable)}`,
        `primaryjoin=${pyStr(`${table.className}.${pk.name} == ${j.joinTable}.c.${j.ownColumn}`)}`,
        `secondaryjoin=${pyStr(`${target.className}.${targetPk.name} == ${j.joinTable}.c.${j.targetColumn}`)}`,
        `order_by=${pyStr(`${target.className}.${targetPk.name}`)}`,
        'viewonly=True',
      ];
    }
  }
}

/** Names models.py imports: a model class may not take one of them. */
const MODELS_NAMES = new Set(['Any', 'Base', 'Decimal', 'Mapped', 'UTCDateTime', 'annotations', 'date', 'datetime']);

export function modelsPy(plan: Plan): string {
  for (const t of plan.tables) {
    if (MODELS_NAMES.has(t.className)) {
      throw new Error(
        `fastapi: the class name ${t.className} of table ${t.name} clashes with a name the models import; set className`,
      );
    }
  }
  const imports = new Imports()
    .from('__future__', 'annotations')
    .from('sqlalchemy.orm', 'Mapped', 'mapped_column')
    .from('app.db', 'Base');
  const sa = new Set<string>();
  const blocks: string[] = [];
  for (const table of plan.tables) {
    const lines = [`class ${table.className}(Base):`, `    """A row of the table ${table.name}."""`, ''];
    lines.push(`    __tablename__ = ${pyStr(table.name)}`);
    const calls: { head: string; args: string[] }[] = [];
    for (const u of tableUniques(table)) {
      sa.add('UniqueConstraint');
      calls.push({ head: 'sa.UniqueConstraint', args: [...u.map(pyStr), `name=${pyStr(uniqueName(table, u))}`] });
    }
    for (const ix of tableIndexes(table)) {
      sa.add('Index');
      calls.push({ head: 'sa.Index', args: [pyStr(constraintName(ix.name)), ...ix.columns.map(pyStr)] });
    }
    const comment = table.description;
    if (calls.length === 0 && comment !== undefined) {
      lines.push(`    __table_args__ = {\n        "comment": ${pyStr(comment)},\n    }`);
    } else if (calls.length === 1 && comment === undefined) {
      const only = calls[0] as { head: string; args: string[] };
      lines.push(singleTuple('    ', '__table_args__ = ', only.head, only.args));
    } else if (calls.length > 0) {
      const items: Item[] = calls.map((c) => call(c.head, c.args));
      if (comment !== undefined) items.push(`{\n            "comment": ${pyStr(comment)},\n        }`);
      lines.push(exploded('    ', '__table_args__ = ', items, '', '(', ')'));
    }
    lines.push('');
    for (const c of table.columns) {
      const t = saType(table, c);
      const type = pyTypeModel(table, c);
      const mapped: Item[] = [];
      if (c.references) {
        sa.add('ForeignKey');
        mapped.push(fkOf(c));
      } else {
        mapped.push(t.local || typeof t.expr !== 'string' ? t.expr : `sa.${t.expr}`);
        for (const i of t.imports) sa.add(i);
        if (t.local) imports.from('app.types', t.local);
      }
      if (c.primaryKey && table.primaryKey.includes(c.name)) mapped.push('primary_key=True');
      for (const pk of table.primaryKey) if (pk === c.name && !c.primaryKey) mapped.push('primary_key=True');
      const factory = defaultFactory(c);
      if (c.primaryKey && c.type === 'uuid' && !factory) {
        imports.import('uuid');
        mapped.push('default=uuid.uuid4');
      } else if (factory) {
        if (factory.startsWith('utc_')) imports.from('app.types', factory);
        else imports.import('uuid');
        mapped.push(`default=${factory}`);
      } else if (hasDefault(c)) {
        imports.from('app', 'defaults');
        mapped.push(`default=defaults.${defaultConstant(table, c)}`);
      }
      if (c.description !== undefined) mapped.push(`comment=${pyStr(c.description)}`);
      const annotation = `Mapped[${c.nullable ? `${type} | None` : type}]`;
      if (c.type === 'uuid') imports.import('uuid');
      addTypeImports(imports, c, 'models');
      lines.push(wrap('    ', `${c.name}: ${annotation} = mapped_column`, mapped));
    }
    // A join table is written through its association class only; its ends navigate through `secondary`.
    const relations = table.isJoinTable ? [] : table.relations;
    if (relations.length > 0) {
      imports.from('sqlalchemy.orm', 'relationship');
      lines.push('');
      for (const r of relations) {
        lines.push(
          wrap(
            '    ',
            `${r.field}: Mapped[${relationType(plan, table, r)}] = relationship`,
            relationshipArgs(plan, table, r),
          ),
        );
      }
    }
    blocks.push(lines.join('\n'));
  }
  if (sa.size > 0) imports.import('sqlalchemy as sa');
  return pyModule(`SQLAlchemy models: one class per table of the data model ${plan.name}.`, imports, blocks);
}

export function uniqueName(table: PlannedTable, columns: string[]): string {
  return constraintName(`uq_${table.name}_${columns.join('_')}`);
}

/** Python type in models: enums are plain strings there (the database checks nothing; the API does). */
function pyTypeModel(table: PlannedTable, c: PlannedColumn): string {
  return c.type === 'enum' ? 'str' : pyType(table, c);
}

function addTypeImports(imports: Imports, c: PlannedColumn, where: 'models' | 'schemas'): void {
  switch (c.type) {
    case 'decimal':
      imports.from('decimal', 'Decimal');
      break;
    case 'date':
      imports.from('datetime', 'date');
      break;
    case 'datetime':
      imports.from('datetime', 'datetime');
      break;
    case 'uuid':
      imports.import('uuid');
      break;
    case 'json':
      imports.from('typing', 'Any');
      break;
    case 'enum':
      if (where === 'schemas') imports.from('typing', 'Literal');
      break;
    default:
      break;
  }
}

/** Field(...) arguments of a column's constraints (and description) for the Create/Update schemas. */
function fieldConstraints(c: PlannedColumn): string[] {
  const args: string[] = [];
  const check = c.check ?? {};
  if (c.type === 'string' || c.type === 'text') {
    if (check.minLength !== undefined) args.push(`min_length=${check.minLength}`);
    const max = maxLength(c);
    if (max !== undefined) args.push(`max_length=${max}`);
    if (check.pattern !== undefined) args.push(`pattern=${pyStr(check.pattern)}`);
  }
  if (c.type === 'integer' || c.type === 'bigint' || c.type === 'decimal') {
    if (check.min !== undefined) args.push(`ge=${boundLiteral(c, check.min)}`);
    if (check.max !== undefined) args.push(`le=${boundLiteral(c, check.max)}`);
  }
  if (c.type === 'decimal') {
    args.push(`max_digits=${c.precision ?? 10}`, `decimal_places=${c.scale ?? 0}`);
  }
  if (c.description !== undefined) args.push(`description=${pyStr(c.description)}`);
  return args;
}

export function schemasPy(plan: Plan): string {
  const imports = new Imports().from('pydantic', 'BaseModel', 'ConfigDict');
  const blocks: string[] = [];
  const aliases: string[] = [];
  blocks.push(
    [
      'class Schema(BaseModel):',
      '    """Shared settings: reads ORM objects, Python regular expressions, refuses unknown fields."""',
      '',
      '    model_config = ConfigDict(from_attributes=True, regex_engine="python-re", extra="forbid")',
    ].join('\n'),
  );
  for (const table of plan.tables) {
    for (const c of table.columns) {
      addTypeImports(imports, c, 'schemas');
      if (c.type === 'enum') {
        aliases.push(wrap('', `${enumAlias(table, c)} = Literal`, (c.values ?? []).map(pyStr), '', '[', ']'));
      }
    }
  }
  if (aliases.length > 0) blocks.push(aliases.join('\n'));
  const usesField = { value: false };
  for (const table of entityTables(plan)) {
    blocks.push(createSchema(table, imports, usesField));
    blocks.push(updateSchema(table, usesField));
  }
  // Link schemas of join tables: their own columns (body of attach) and the link as stored.
  for (const table of plan.tables.filter((t) => t.isJoinTable)) {
    const own = table.columns.filter((c) => !table.primaryKey.includes(c.name));
    if (own.length > 0) {
      const lines = [`class ${table.className}Link(Schema):`, `    """Columns of a link in ${table.name}."""`, ''];
      for (const c of own) lines.push(createField(table, c, imports, usesField));
      blocks.push(lines.join('\n'));
    }
  }
  for (const table of plan.tables) {
    const lines = [
      `class ${table.className}Summary(Schema):`,
      `    """A row of ${table.name} without its relations."""`,
      '',
    ];
    for (const c of table.columns) {
      const type = pyType(table, c);
      lines.push(`    ${c.name}: ${c.nullable ? `${type} | None` : type}`);
    }
    blocks.push(lines.join('\n'));
  }
  for (const table of entityTables(plan)) {
    const lines = [
      `class ${table.className}Read(${table.className}Summary):`,
      `    """A row of ${table.name} with its related rows (one level deep)."""`,
    ];
    if (table.relations.length > 0) lines.push('');
    for (const r of table.relations) {
      const target = tableOf(plan, r.target).className;
      let type: string;
      if (r.cardinality === 'many') type = `list[${target}Summary]`;
      else if (r.via.kind === 'fk-here') {
        const col = table.columns.find((c) => c.name === (r.via as { column: string }).column);
        type = col?.nullable === false ? `${target}Summary` : `${target}Summary | None`;
      } else type = `${target}Summary | None`;
      lines.push(`    ${r.field}: ${type}`);
    }
    blocks.push(lines.join('\n'));
  }
  if (usesField.value) imports.from('pydantic', 'Field');
  return pyModule(
    `Pydantic schemas of ${plan.name}: what the API accepts (Create, Update, Link) and returns (Summary, Read).`,
    imports,
    blocks,
  );
}

function createField(table: PlannedTable, c: PlannedColumn, imports: Imports, usesField: { value: boolean }): string {
  const type = pyType(table, c);
  const annotation = c.nullable ? `${type} | None` : type;
  const args = fieldConstraints(c);
  const factory = defaultFactory(c);
  if (factory) {
    if (factory.startsWith('utc_')) imports.from('app.types', factory);
    args.unshift(`default_factory=${factory}`);
  } else if (hasDefault(c)) {
    imports.from('app', 'defaults');
    args.unshift(`default=defaults.${defaultConstant(table, c)}`);
  } else if (c.nullable) {
    args.unshift('default=None');
  }
  if (args.length === 0) return `    ${c.name}: ${annotation}`;
  if (args.length === 1 && args[0] === 'default=None') return `    ${c.name}: ${annotation} = None`;
  usesField.value = true;
  return wrap('    ', `${c.name}: ${annotation} = Field`, args);
}

function createSchema(table: PlannedTable, imports: Imports, usesField: { value: boolean }): string {
  const lines = [`class ${table.className}Create(Schema):`, `    """Body of POST /${table.name}."""`, ''];
  const columns = writableColumns(table);
  for (const c of columns) lines.push(createField(table, c, imports, usesField));
  if (columns.length === 0) lines.splice(2, 1);
  return lines.join('\n');
}

function updateSchema(table: PlannedTable, usesField: { value: boolean }): string {
  const lines = [
    `class ${table.className}Update(Schema):`,
    `    """Body of PATCH /${table.name}/{item_id}: only the fields sent change."""`,
    '',
  ];
  const columns = writableColumns(table);
  for (const c of columns) {
    const type = pyType(table, c);
    const args = fieldConstraints(c);
    if (args.length === 0) lines.push(`    ${c.name}: ${type} | None = None`);
    else {
      usesField.value = true;
      lines.push(wrap('    ', `${c.name}: ${type} | None = Field`, ['default=None', ...args]));
    }
  }
  if (columns.length === 0) lines.splice(2, 1);
  return lines.join('\n');
}

/** Names a router module imports or defines: a model class with one of them is imported as `<Name>Model`. */
const ROUTER_NAMES = new Set([
  'APIRouter',
  'Any',
  'Decimal',
  'IntegrityError',
  'InstrumentedAttribute',
  'LOAD',
  'Limit',
  'Literal',
  'Load',
  'Offset',
  'Order',
  'Page',
  'REQUIRED',
  'Response',
  'SORT_COLUMNS',
  'Session',
  'SessionDep',
  'date',
  'datetime',
]);

function modelName(className: string): string {
  return ROUTER_NAMES.has(className) ? `${className}Model` : className;
}

function modelImport(className: string): string {
  return ROUTER_NAMES.has(className) ? `${className} as ${className}Model` : className;
}

/** app/routers/<table>.py */
export function routerPy(plan: Plan, table: PlannedTable): string {
  const C = table.className;
  const M = modelName(C);
  const pk = pkColumn(table);
  const keyType = pyType(table, pk);
  const imports = new Imports()
    .from('typing', 'Literal')
    .from('fastapi', 'APIRouter', 'Response', 'status')
    .from('sqlalchemy', 'delete', 'func', 'select')
    .from('sqlalchemy.exc', 'IntegrityError')
    .from('sqlalchemy.orm', 'InstrumentedAttribute', 'Session')
    .from('typing', 'Any')
    .from('app.db', 'SessionDep')
    .from('app.errors', 'integrity_error', 'not_found')
    .from('app.models', modelImport(C))
    .from('app.pagination', 'Limit', 'Offset', 'Order', 'Page')
    .from('app.schemas', `${C}Create`, `${C}Read`, `${C}Update`);
  if (pk.type === 'uuid') imports.import('uuid');
  const blocks: string[] = [];
  const sortColumns = table.columns.filter(sortable);
  const filters = table.columns.filter((c) => !c.primaryKey && filterable(c) && !QUERY_NAMES.has(c.name));
  const refs = table.columns.filter((c) => c.references);
  const required = writableColumns(table).filter((c) => !c.nullable);
  const head = [
    wrap('', 'router = APIRouter', [`prefix=${pyStr(`/${table.name}`)}`, `tags=[${pyStr(table.name)}]`]),
    '',
  ];
  head.push(
    wrap(
      '',
      `${C}Sort = Literal`,
      sortColumns.map((c) => pyStr(c.name)),
      '',
      '[',
      ']',
    ),
  );
  head.push(
    exploded(
      '',
      'SORT_COLUMNS: dict[str, InstrumentedAttribute[Any]] = ',
      sortColumns.map((c) => `${pyStr(c.name)}: ${M}.${c.name}`),
      '',
      '{',
      '}',
    ),
  );
  if (required.length > 0) {
    imports.from('app.errors', 'reject_nulls');
    head.push(wrap('', 'REQUIRED = frozenset', [`{${required.map((c) => pyStr(c.name)).join(', ')}}`]));
  }
  if (table.relations.length > 0) {
    imports.from('sqlalchemy.orm', 'selectinload');
    head.push(
      wrap(
        '',
        'LOAD = ',
        table.relations.map((r) => `selectinload(${M}.${r.field})`),
        '',
        '[',
        ']',
      ),
    );
  } else {
    imports.from('sqlalchemy.orm', 'Load');
    head.push('LOAD: list[Load] = []');
  }
  blocks.push(head.join('\n'));

  blocks.push(
    [
      `def _get(session: Session, item_id: ${keyType}) -> ${M}:`,
      `    """The row with its relations loaded, or 404."""`,
      `    statement = select(${M}).where(${M}.${pk.name} == item_id)`,
      '    row = session.scalar(statement.options(*LOAD))',
      '    if row is None:',
      `        raise not_found(${pyStr(table.name)}, item_id)`,
      '    return row',
    ].join('\n'),
  );

  if (refs.length > 0) {
    imports.from('app.errors', 'missing_reference');
    imports.from('typing', 'Any');
    const lines = [
      'def _check_references(session: Session, values: dict[str, Any]) -> None:',
      '    """422 when a foreign key names a row that does not exist."""',
    ];
    for (const c of refs) {
      const target = tableOf(plan, c.references?.table ?? '');
      if (target.name !== table.name) imports.from('app.models', modelImport(target.className));
      lines.push(`    ref = values.get(${pyStr(c.name)})`);
      lines.push(`    if ref is not None and session.get(${modelName(target.className)}, ref) is None:`);
      lines.push(`        raise missing_reference(${pyStr(c.name)}, ${pyStr(target.name)}, ref)`);
    }
    blocks.push(lines.join('\n'));
  }

  blocks.push(
    [
      'def _commit(session: Session) -> None:',
      '    """Commits, or answers 409/422 for a constraint the database refused."""',
      '    try:',
      '        session.commit()',
      '    except IntegrityError as error:',
      '        session.rollback()',
      '        raise integrity_error(error) from error',
    ].join('\n'),
  );

  blocks.push(
    [
      '@router.post("", status_code=status.HTTP_201_CREATED)',
      wrap('', `def create_${table.singular}`, [`body: ${C}Create`, 'session: SessionDep'], ` -> ${C}Read:`),
      `    """Creates a row of ${table.name}."""`,
      '    values = body.model_dump()',
      ...(refs.length > 0 ? ['    _check_references(session, values)'] : []),
      `    row = ${M}(**values)`,
      '    session.add(row)',
      '    _commit(session)',
      `    return ${C}Read.model_validate(_get(session, row.${pk.name}))`,
    ].join('\n'),
  );

  const listParams = [
    'session: SessionDep',
    'limit: Limit = 20',
    'offset: Offset = 0',
    `sort: ${C}Sort = ${pyStr(pk.name)}`,
    'order: Order = "asc"',
    ...filters.map((c) => `${c.name}: ${pyType(table, c)} | None = None`),
  ];
  for (const c of filters) if (c.type === 'enum') imports.from('app.schemas', enumAlias(table, c));
  for (const c of filters) {
    if (c.type === 'decimal') imports.from('decimal', 'Decimal');
    if (c.type === 'date') imports.from('datetime', 'date');
    if (c.type === 'datetime') imports.from('datetime', 'datetime');
    if (c.type === 'uuid') imports.import('uuid');
  }
  const list = [
    '@router.get("")',
    exploded('', `def list_${table.name}`, listParams, ` -> Page[${C}Read]:`),
    `    """Lists rows of ${table.name}: equality filters, sorting on a listed column, limit/offset paging."""`,
    `    query = select(${M})`,
  ];
  for (const c of filters) {
    list.push(`    if ${c.name} is not None:`);
    list.push(hug('        ', 'query = query.where', `${M}.${c.name} == ${c.name}`));
  }
  list.push(
    '    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0',
    '    column = SORT_COLUMNS[sort]',
    '    ordering = column.asc() if order == "asc" else column.desc()',
    `    query = query.options(*LOAD).order_by(ordering, ${M}.${pk.name}.asc())`,
    '    rows = session.scalars(query.limit(limit).offset(offset))',
    `    items = [${C}Read.model_validate(row) for row in rows]`,
    wrap('    ', `return Page[${C}Read]`, ['items=items', 'total=total', 'limit=limit', 'offset=offset']),
  );
  blocks.push(list.join('\n'));

  blocks.push(
    [
      '@router.get("/{item_id}")',
      wrap('', `def read_${table.singular}`, [`item_id: ${keyType}`, 'session: SessionDep'], ` -> ${C}Read:`),
      `    """One row of ${table.name} with its related rows."""`,
      `    return ${C}Read.model_validate(_get(session, item_id))`,
    ].join('\n'),
  );

  blocks.push(
    [
      '@router.patch("/{item_id}")',
      wrap(
        '',
        `def update_${table.singular}`,
        [`item_id: ${keyType}`, `body: ${C}Update`, 'session: SessionDep'],
        ` -> ${C}Read:`,
      ),
      `    """Changes the fields sent of a row of ${table.name}."""`,
      '    row = _get(session, item_id)',
      '    changes = body.model_dump(exclude_unset=True)',
      ...(required.length > 0 ? ['    reject_nulls(changes, REQUIRED)'] : []),
      ...(refs.length > 0 ? ['    _check_references(session, changes)'] : []),
      '    for field, value in changes.items():',
      '        setattr(row, field, value)',
      '    _commit(session)',
      '    session.expire_all()',
      `    return ${C}Read.model_validate(_get(session, item_id))`,
    ].join('\n'),
  );

  blocks.push(
    [
      '@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT)',
      wrap('', `def delete_${table.singular}`, [`item_id: ${keyType}`, 'session: SessionDep'], ' -> Response:'),
      `    """Deletes a row of ${table.name}; related rows follow their ON DELETE rule (409 if restricted)."""`,
      `    if session.get(${M}, item_id) is None:`,
      `        raise not_found(${pyStr(table.name)}, item_id)`,
      `    statement = delete(${M}).where(${M}.${pk.name} == item_id)`,
      '    try:',
      '        session.execute(statement)',
      '        session.commit()',
      '    except IntegrityError as error:',
      '        session.rollback()',
      '        raise integrity_error(error) from error',
      '    return Response(status_code=status.HTTP_204_NO_CONTENT)',
    ].join('\n'),
  );

  for (const r of manyRelations(table)) {
    const target = tableOf(plan, r.target);
    imports.from('app.schemas', `${target.className}Summary`);
    blocks.push(
      [
        `@router.get("/{item_id}/${r.field}")`,
        wrap(
          '',
          `def list_${table.singular}_${r.field}`,
          [`item_id: ${keyType}`, 'session: SessionDep'],
          ` -> list[${target.className}Summary]:`,
        ),
        `    """The ${target.name} related to a row of ${table.name} through ${r.field}."""`,
        `    rows = _get(session, item_id).${r.field}`,
        `    return [${target.className}Summary.model_validate(row) for row in rows]`,
      ].join('\n'),
    );
  }

  for (const r of joinRelations(table)) {
    const target = tableOf(plan, r.target);
    const join = tableOf(plan, r.via.joinTable);
    const targetKey = pyType(target, pkColumn(target));
    if (pkColumn(target).type === 'uuid') imports.import('uuid');
    imports.from('app.models', modelImport(join.className), modelImport(target.className));
    imports.from('app.schemas', `${join.className}Summary`);
    const own = join.columns.filter((c) => !join.primaryKey.includes(c.name));
    const params = [`item_id: ${keyType}`, `target_id: ${targetKey}`, 'session: SessionDep'];
    let values = '';
    if (own.length > 0) {
      imports.from('app.schemas', `${join.className}Link`);
      const optional = own.every((c) => c.nullable || hasDefault(c));
      params.push(optional ? `body: ${join.className}Link | None = None` : `body: ${join.className}Link`);
      values = optional ? `**(body or ${join.className}Link()).model_dump()` : '**body.model_dump()';
    }
    const attachName = `attach_${table.singular}_${r.field}`;
    blocks.push(
      [
        wrap('', '@router.post', [pyStr(`/{item_id}/${r.field}/{target_id}`), 'status_code=status.HTTP_201_CREATED']),
        wrap('', `def ${attachName}`, params, ` -> ${join.className}Summary:`),
        `    """Links a row of ${target.name} to a row of ${table.name} (409 if already linked)."""`,
        '    _get(session, item_id)',
        `    if session.get(${modelName(target.className)}, target_id) is None:`,
        `        raise not_found(${pyStr(target.name)}, target_id)`,
        wrap('    ', `link = ${modelName(join.className)}`, [
          `${r.via.ownColumn}=item_id`,
          `${r.via.targetColumn}=target_id`,
          ...(values ? [values] : []),
        ]),
        '    session.add(link)',
        '    _commit(session)',
        `    return ${join.className}Summary.model_validate(link)`,
      ].join('\n'),
    );
    const detachName = `detach_${table.singular}_${r.field}`;
    blocks.push(
      [
        wrap('', '@router.delete', [
          pyStr(`/{item_id}/${r.field}/{target_id}`),
          'status_code=status.HTTP_204_NO_CONTENT',
        ]),
        wrap(
          '',
          `def ${detachName}`,
          [`item_id: ${keyType}`, `target_id: ${targetKey}`, 'session: SessionDep'],
          ' -> Response:',
        ),
        `    """Removes the link between a row of ${table.name} and a row of ${target.name} (404 if none)."""`,
        `    key = {${pyStr(r.via.ownColumn)}: item_id, ${pyStr(r.via.targetColumn)}: target_id}`,
        `    link = session.get(${modelName(join.className)}, key)`,
        '    if link is None:',
        `        raise not_found(${pyStr(join.name)}, f"{item_id}/{target_id}")`,
        '    session.delete(link)',
        '    _commit(session)',
        '    return Response(status_code=status.HTTP_204_NO_CONTENT)',
      ].join('\n'),
    );
  }
  return pyModule(`Routes of ${table.name}: CRUD, paging, filtering, sorting and relationships.`, imports, blocks);
}

export function routersInitPy(plan: Plan): string {
  const imports = new Imports().from('fastapi', 'APIRouter');
  const tables = entityTables(plan);
  for (const t of tables) imports.from(`app.routers.${t.name}`, `router as ${t.name}_router`);
  return pyModule("Every table's router, in build order.", imports, [
    wrap(
      '',
      'ROUTERS: list[APIRouter] = ',
      tables.map((t) => `${t.name}_router`),
      '',
      '[',
      ']',
    ),
  ]);
}

export function mainPy(plan: Plan): string {
  const imports = new Imports().from('fastapi', 'FastAPI').from('app.routers', 'ROUTERS');
  const appArgs = [`title=${pyStr(plan.name)}`, 'version="0.1.0"'];
  if (plan.description !== undefined) appArgs.push(`description=${pyStr(plan.description)}`);
  return pyModule(`The FastAPI application of ${plan.name}.`, imports, [
    [wrap('', 'app = FastAPI', appArgs), 'for router in ROUTERS:', '    app.include_router(router)'].join('\n'),
    [
      '@app.get("/healthz")',
      'def health() -> dict[str, str]:',
      '    """Liveness probe."""',
      '    return {"status": "ok"}',
    ].join('\n'),
  ]);
}

export { dataColumns };
