/**
 * The Python dependencies of every generated FastAPI project, pinned exactly (direct and transitive), for
 * CPython 3.11+ on Linux. The generated `pyproject.toml` pins the direct ones and `requirements.lock` lists all of
 * them; the quality gate installs this set once per hash into a shared virtual environment.
 */

/** Direct runtime dependencies (pyproject `dependencies`). */
export const RUNTIME_DEPENDENCIES: readonly string[] = [
  'alembic==1.20.1',
  'fastapi==0.165.0',
  'pydantic==2.14.3',
  'pydantic-settings==2.16.3',
  'sqlalchemy==2.1.9',
  'uvicorn==0.54.0',
];

/** PostgreSQL driver (pyproject extra `postgres`). */
export const POSTGRES_DEPENDENCIES: readonly string[] = ['psycopg[binary]==3.3.9'];

/** Development tools (pyproject extra `dev`): tests, lint, format, types. */
export const DEV_DEPENDENCIES: readonly string[] = ['httpx==0.28.1', 'mypy==2.4.1', 'pytest==9.2.0', 'ruff==0.17.6'];

/** Everything installed, transitive dependencies included (`pip freeze` of a venv made from the lists above). */
export const LOCKED_PACKAGES: readonly string[] = [
  'alembic==1.20.1',
  'annotated-doc==0.0.7',
  'annotated-types==0.8.0',
  'anyio==4.16.0',
  'ast-serialize==0.13.1',
  'certifi==2026.10.18',
  'click==8.5.1',
  'fastapi==0.165.0',
  'h11==0.16.0',
  'httpcore==1.0.9',
  'httpx==0.28.1',
  'idna==3.20',
  'iniconfig==2.3.1',
  'librt==0.16.0',
  'mako==1.4.3',
  'markupsafe==3.0.4',
  'mypy==2.4.1',
  'mypy-extensions==1.2.0',
  'opentelemetry-api==1.45.2',
  'packaging==26.3',
  'pathspec==1.1.1',
  'pluggy==1.7.0',
  'psycopg==3.3.9',
  'psycopg-binary==3.3.9',
  'pydantic==2.14.3',
  'pydantic-core==2.50.4',
  'pydantic-settings==2.16.3',
  'pygments==2.21.0',
  'pytest==9.2.0',
  'python-dotenv==1.2.4',
  'ruff==0.17.6',
  'sqlalchemy==2.1.9',
  'starlette==1.10.0',
  'typing-extensions==4.16.0',
  'typing-inspection==0.4.5',
  'uvicorn==0.54.0',
];

/** The text of the generated `requirements.lock`. */
export function requirementsLock(): string {
  return [
    '# Every Python package of this project, pinned (direct and transitive). Install with:',
    '#   pip install --only-binary=:all: --no-deps -r requirements.lock',
    ...LOCKED_PACKAGES,
    '',
  ].join('\n');
}

/** mypy's settings in every generated pyproject.toml (the gate warms its cache with the very same settings). */
export const MYPY_SETTINGS: readonly string[] = [
  '[tool.mypy]',
  'strict = true',
  'python_version = "3.11"',
  'plugins = ["pydantic.mypy"]',
  'explicit_package_bases = true',
];

export const PYDANTIC_MYPY_SETTINGS: readonly string[] = [
  '[tool.pydantic-mypy]',
  'init_forbid_extra = true',
  'init_typed = true',
  'warn_required_dynamic_aliases = true',
];

/** The libraries generated code imports: type-checked once per environment so each gate's mypy starts warm. */
export const MYPY_WARM_IMPORTS: readonly string[] = [
  'import alembic.autogenerate',
  'import alembic.command',
  'import alembic.config',
  'import alembic.context',
  'import alembic.migration',
  'import alembic.op',
  'import fastapi',
  'import fastapi.testclient',
  'import httpx',
  'import pydantic',
  'import pydantic_settings',
  'import pytest',
  'import sqlalchemy',
  'import sqlalchemy.exc',
  'import sqlalchemy.orm',
  'import sqlalchemy.pool',
  'import sqlalchemy.types',
];
