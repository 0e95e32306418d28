/** The shapes this target shares with the backend generator's core: the plan it reads and the target interface. */
export type { ColumnType, Plan, PlannedColumn, PlannedRelation, PlannedTable } from '../../plan/types.ts';
export type { GateReport, GateStep, GeneratedFile, Target } from '../types.ts';
