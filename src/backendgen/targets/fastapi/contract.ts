/**
 * The shapes this target shares with the backend generator's core (the contract in /tmp/orbit/backend-spec.md,
 * "Plan" and "Targets"), re-declared until core's `plan/types.ts` and `targets/types.ts` land; then this file
 * becomes re-exports of those and nothing else in the target changes.
 */
export type ColumnType =
  | 'string'
  | 'text'
  | 'integer'
  | 'bigint'
  | 'decimal'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'uuid'
  | 'json'
  | 'enum';

export interface PlannedColumn {
  name: string;
  type: ColumnType;
  nullable: boolean;
  unique: boolean;
  index: boolean;
  length?: number;
  precision?: number;
  scale?: number;
  values?: string[];
  default?: unknown;
  check?: { min?: number; max?: number; minLength?: number; maxLength?: number; pattern?: string };
  primaryKey: boolean;
  references?: { table: string; column: string; onDelete: 'cascade' | 'set-null' | 'restrict' };
  description?: string;
}

export interface PlannedRelation {
  field: string;
  cardinality: 'one' | 'many';
  target: string;
  via:
    | { kind: 'fk-here'; column: string }
    | { kind: 'fk-there'; column: string }
    | { kind: 'join'; joinTable: string; ownColumn: string; targetColumn: string };
  inverse: string;
  relationshipIndex: number;
}

export interface PlannedTable {
  name: string;
  className: string;
  singular: string;
  isJoinTable: boolean;
  description?: string;
  columns: PlannedColumn[];
  primaryKey: string[];
  uniques: string[][];
  indexes: { name: string; columns: string[] }[];
  relations: PlannedRelation[];
}

export interface Plan {
  name: string;
  description?: string;
  tables: PlannedTable[];
  buildOrder: string[];
  files: { target: 'fastapi' | 'fastify'; path: string; purpose: string }[];
  warnings: string[];
}

export interface GeneratedFile {
  path: string;
  content: string;
  executable?: boolean;
}

export interface GateStep {
  name: string;
  command: string;
  ok: boolean;
  durationMs: number;
  output: string;
  counts?: Record<string, number>;
}

export interface GateReport {
  target: string;
  ok: boolean;
  steps: GateStep[];
  durationMs: number;
}

export interface Target {
  name: 'fastapi' | 'fastify';
  title: string;
  files(plan: Plan): { path: string; purpose: string }[];
  generate(plan: Plan): GeneratedFile[];
  gate(projectDir: string, options: { signal?: AbortSignal; onStep?: (step: GateStep) => void }): Promise<GateReport>;
}
