/**
 * The contract between the analysis runner/tool parsers and the SARIF layer.
 * Parsers produce RawFindings; the runner wraps them in a ToolRunResult per tool;
 * `buildSarifLog` normalises everything into one SARIF 2.1.0 log.
 */

export type RawLevel = 'error' | 'warning' | 'note' | 'none';

export interface RawReplacement {
  file: string;
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
  text: string;
}

/** What a tool's parser returns for one finding, before normalisation. Paths may be absolute or relative. */
export interface RawFinding {
  ruleId: string;
  level: RawLevel;
  message: string;
  file?: string;
  /** 1-based. */
  startLine?: number;
  /** 1-based. */
  startColumn?: number;
  endLine?: number;
  /** 1-based, exclusive (SARIF convention). */
  endColumn?: number;
  ruleName?: string;
  helpUri?: string;
  help?: string;
  tags?: string[];
  /** 0.0–10.0 (CVSS-like); GitHub maps it to critical/high/medium/low. */
  securitySeverity?: number;
  fix?: { description?: string; replacements: RawReplacement[] };
  properties?: Record<string, unknown>;
}

export type ToolStatus = 'succeeded' | 'failed' | 'timed_out' | 'not_applicable' | 'not_installed' | 'not_configured';

export interface ToolRunResult {
  tool: string;
  version?: string;
  informationUri?: string;
  status: ToolStatus;
  /** Why it did not run / why it failed (exit code + stderr tail). */
  reason?: string;
  durationMs: number;
  cpuMs?: number;
  findings: RawFinding[];
  notices: string[];
}
