/** What the architect hands to every target: the model normalised, ordered and with both sides of each relationship. */
import type { ColumnType, OnDelete } from '../model/types.ts';

export type { ColumnType, OnDelete };

export interface PlannedColumn {
  /** The model's stable id (or the name when it has none). */
  id?: string;
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
  references?: { table: string; column: string; onDelete: OnDelete };
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
  /** The model's stable id (or the name when it has none). */
  id?: string;
  name: string;
  description?: string;
  className: string;
  singular: string;
  isJoinTable: boolean;
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
