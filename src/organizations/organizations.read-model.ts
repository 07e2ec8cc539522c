import { Sql, sql } from '../database/database';
import { organizationsTable } from './tables';

/** The id of the organization named `name`, or null. */
export async function findOrganizationId(db: Sql, name: string): Promise<string | null> {
  const rows = await db.query<{ id: string }>(sql`SELECT id FROM ${organizationsTable.ref} WHERE name = ${name}`);
  return rows[0]?.id ?? null;
}
