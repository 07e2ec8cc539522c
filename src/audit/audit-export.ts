import { type Database, sql } from '../database/database';
import { timestampOf } from '../common/rows';
import { presentVersion, snapshotJoins, versionColumns, VersionRow } from '../environments/projections/environment-versions.read-model';
import { environmentVersionsTable } from '../environments/projections/tables';

const BATCH = 500;

/**
 * Streams the audit history as NDJSON, oldest first, from one consistent
 * snapshot, in keyset batches: memory stays constant however long the
 * history. `write` should resolve once the line may be written again
 * (backpressure).
 */
export async function exportVersions(
  db: Database,
  options: { since?: string; organization?: string },
  write: (line: string) => Promise<void>,
): Promise<number> {
  return db.session((session) =>
    session.transaction(async (tx) => {
      let organizationId: string | undefined;
      if (options.organization !== undefined) {
        const rows = await tx.query<{ id: string }>(sql`SELECT id FROM organizations WHERE name = ${options.organization}`);
        if (!rows.length) throw new Error(`no organization named ${JSON.stringify(options.organization)}`);
        organizationId = rows[0].id;
      }
      let after: { c: string; p: number } | null = null;
      let written = 0;
      for (;;) {
        const where = [
          ...(organizationId !== undefined ? [sql`v.organization_id = ${organizationId}`] : []),
          ...(options.since !== undefined ? [sql`v.created_at >= ${sql.timestamp(options.since)}`] : []),
          ...(after ? [sql`(v.created_at, v.event_position) > (${sql.timestamp(after.c)}, ${after.p})`] : []),
        ];
        const rows: (VersionRow & { organization_id: string })[] = await tx.query(
          sql`SELECT v.organization_id, ${versionColumns('v')} FROM ${environmentVersionsTable.ref} v ${snapshotJoins('v')}
              ${sql.when(where.length > 0, () => sql`WHERE ${sql.join(where, ' AND ')}`)}
              ORDER BY v.created_at, v.event_position LIMIT ${BATCH}`,
        );
        for (const row of rows) {
          await write(`${JSON.stringify({ organization_id: row.organization_id, ...presentVersion(row) })}\n`);
          written++;
        }
        if (rows.length < BATCH) return written;
        const last = rows[rows.length - 1];
        after = { c: timestampOf(last.created_at), p: Number(last.event_position) };
      }
    }, 'read'),
  );
}
