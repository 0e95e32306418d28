/**
 * Roles in order of power: admin > member > viewer. A route names the lowest role it allows.
 * Defined here (not imported from the server) because `platform` must not depend on `server`;
 * the strings are the same as `Role` in src/server/types.ts.
 */
export const ROLES = ['viewer', 'member', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `actual` is at least `required`. */
export function roleAllows(actual: Role | null, required: Role): boolean {
  return actual !== null && ROLES.indexOf(actual) >= ROLES.indexOf(required);
}
