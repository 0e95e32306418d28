/**
 * Words a name may not be, because a generated file would not compile or would mean something else. Which lists
 * apply depends on where the name ends up: table and column names become SQL identifiers, Python and TypeScript
 * attributes; relationship fields and singular names only become attributes and variables.
 */
const PYTHON = `and as assert async await break class continue def del elif else except finally for from global if import
in is lambda nonlocal not or pass raise return try while with yield`;

// Reserved words and strict-mode reserved words: a TypeScript variable cannot have these names.
const TYPESCRIPT = `break case catch class const continue debugger default delete do else enum export extends false finally for
function if import in instanceof new null return super switch this throw true try typeof var void while with
implements interface let package private protected public static yield await arguments eval undefined`;

// PostgreSQL's reserved key words (its documentation's "reserved" column), which cannot be bare identifiers.
const SQL = `all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate
column concurrently constraint create cross current_catalog current_date current_role current_schema current_time
current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze
from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit
localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references
returning right select session_user similar some symmetric table tablesample then to trailing true union unique user
using variadic verbose when where window with`;

/** Attributes the generated models already have (SQLAlchemy's declarative base, Pydantic's BaseModel). */
const FRAMEWORK = `metadata registry query self cls model_config model_fields model_computed_fields dict json copy validate
construct schema fields`;

function words(text: string): Set<string> {
  return new Set(text.split(/\s+/).filter(Boolean));
}

const LISTS = {
  python: { label: 'Python', words: words(PYTHON) },
  typescript: { label: 'TypeScript', words: words(TYPESCRIPT) },
  sql: { label: 'SQL', words: words(SQL) },
  framework: { label: 'the generated models (SQLAlchemy/Pydantic)', words: words(FRAMEWORK) },
};
export type ReservedContext = keyof typeof LISTS;

/** Where each kind of name ends up. */
export const CONTEXTS = {
  /** Tables, columns, join tables, foreign keys: SQL identifiers and model attributes. */
  sqlName: ['python', 'typescript', 'sql', 'framework'],
  /** Relationship fields: model attributes. */
  field: ['python', 'typescript', 'framework'],
  /** Singular table names, enum values, the project name: identifiers in code. */
  code: ['python', 'typescript'],
} as const satisfies Record<string, readonly ReservedContext[]>;

/** The first language in which `name` is reserved, among `contexts`, or undefined. */
export function reservedIn(name: string, contexts: readonly ReservedContext[]): string | undefined {
  for (const c of contexts) if (LISTS[c].words.has(name)) return LISTS[c].label;
  return undefined;
}
