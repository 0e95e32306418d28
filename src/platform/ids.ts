import { uuidv7 } from 'uuidv7';

/** Sortable IDs (UUIDv7): creation order is ID order, which cursor pagination relies on. */
export function newId(): string {
  return uuidv7();
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isId(value: string): boolean {
  return UUID_RE.test(value);
}
