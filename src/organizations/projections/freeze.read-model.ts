import { Sql, sql } from '../../database/database';
import { FreezeState, unfrozen } from '../domain/freeze';
import { organizationFreezesTable } from '../tables';

/** The organization's freeze; read under its log lock by writers, so it holds until they commit. */
export async function findFreeze(db: Sql, organizationId: string, table = organizationFreezesTable.name): Promise<FreezeState> {
  const rows = await db.query(sql`SELECT ${organizationFreezesTable.columnList} FROM ${sql.raw(table)} WHERE organization_id = ${organizationId}`);
  if (!rows.length) return unfrozen(organizationId);
  const row = organizationFreezesTable.decode(rows[0]);
  return {
    organization_id: organizationId,
    creates: row.creates === 1,
    updates: row.updates === 1,
    reason: row.reason as string | null,
    frozen_at: row.frozen_at as string | null,
    version: Number(row.version),
  };
}
