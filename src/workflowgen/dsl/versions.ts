/** DSL versions Orbit reads and writes. Dify writes 0.6.0 (Dify ≤ 1.15) or 0.7.0 (Dify ≥ 1.16). */
export const TARGET_VERSIONS = ['0.6.0', '0.7.0'] as const;
export type TargetVersion = (typeof TARGET_VERSIONS)[number];
export const DEFAULT_TARGET_VERSION: TargetVersion = '0.6.0';

/** The oldest DSL version real exports use. */
export const OLDEST_VERSION = '0.1.0';

const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;

export function parseVersion(version: string): [number, number, number] | undefined {
  const m = VERSION.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Negative when a < b. Unparsable versions sort first. */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a) ?? [-1, -1, -1];
  const pb = parseVersion(b) ?? [-1, -1, -1];
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** 0.1.0 iteration nodes have no iteration-start child; their start_node_id names an ordinary child. */
export function hasContainerStartNodes(version: string): boolean {
  return compareVersions(version, '0.1.2') >= 0;
}
