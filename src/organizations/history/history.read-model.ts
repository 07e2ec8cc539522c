import { timestampOf } from '../../common/rows';
import { Sql, sql } from '../../database/database';
import type { Table } from '../../database/table';

/** Keyset position in a history: `created_at`, then the event's log position. */
export interface HistoryPosition {
  c: string;
  p: number;
}

/**
 * One page of an organization's history table (api_key_versions,
 * organization_versions), newest first, served by its (organization_id,
 * created_at DESC, event_position DESC) index: `limit + 1` rows.
 */
export async function listHistory(db: Sql, table: Table, organizationId: string, after: HistoryPosition | null, limit: number) {
  const cursor = after ? sql` AND (created_at, event_position) < (${sql.timestamp(after.c)}, ${after.p})` : sql.empty;
  const rows = await db.query(
    sql`SELECT ${table.columnList} FROM ${table.ref} WHERE organization_id = ${organizationId}${cursor}
        ORDER BY created_at DESC, event_position DESC LIMIT ${limit + 1}`,
  );
  return rows.map((row) => table.decode(row));
}

export function positionOf(row: Record<string, unknown>): HistoryPosition {
  return { c: timestampOf(row.created_at), p: Number(row.event_position) };
}
