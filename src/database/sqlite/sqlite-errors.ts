import { driverErrorOf } from '../errors';
import { declaredTables } from '../table';

/** Busy or locked by another connection past the wait, or the disk is full: retryable, a 503. */
const UNAVAILABLE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL']);

export function isSqliteUnavailable(error: unknown): boolean {
  const code = driverErrorOf(error)?.code;
  return typeof code === 'string' && UNAVAILABLE_CODES.has(code);
}

/**
 * SQLite names the columns, not the constraint ("UNIQUE constraint failed:
 * events.stream_id, events.stream_version"): the constraint is found among
 * the declared tables' unique constraints.
 */
export function sqliteUniqueConstraint(error: unknown): string | null {
  const driverError = driverErrorOf(error);
  const { code, message } = driverError ?? {};
  if (typeof code !== 'string' || !code.startsWith('SQLITE_CONSTRAINT') || typeof message !== 'string') return null;
  const columns = message.replace(/^UNIQUE constraint failed: /, '');
  for (const table of declaredTables()) {
    for (const [name, unique] of Object.entries(table.unique ?? {})) {
      if (unique.map((column) => `${table.name}.${column}`).join(', ') === columns) return name;
    }
  }
  return 'unknown';
}
