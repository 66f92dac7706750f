/**
 * What kind of store a location string names. Dependency-free so that every
 * layer (the PostgreSQL driver code included) can ask without importing the
 * stores themselves; `open.ts` re-exports it.
 */

/** True for `postgres://` and `postgresql://` URLs (any case). */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}
