import type { Database } from '../database/database';
import { timestampOf } from '../common/rows';
import { presentVersion, VersionRow } from '../environments/projections/environment-versions.read-model';

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
      const ts = tx.dialect === 'postgres' ? '?::timestamptz' : '?';
      let organizationId: string | undefined;
      if (options.organization !== undefined) {
        const rows = await tx.query<{ id: string }>('SELECT id FROM organizations WHERE name = ?', [options.organization]);
        if (!rows.length) throw new Error(`no organization named ${JSON.stringify(options.organization)}`);
        organizationId = rows[0].id;
      }
      let after: { c: string; p: number } | null = null;
      let written = 0;
      for (;;) {
        const where: string[] = [];
        const params: unknown[] = [];
        if (organizationId !== undefined) {
          where.push('organization_id = ?');
          params.push(organizationId);
        }
        if (options.since !== undefined) {
          where.push(`created_at >= ${ts}`);
          params.push(options.since);
        }
        if (after) {
          where.push(`(created_at, event_position) > (${ts}, ?)`);
          params.push(after.c, after.p);
        }
        params.push(BATCH);
        const rows: (VersionRow & { organization_id: string })[] = await tx.query(
          `SELECT id, event_position, organization_id, environment_id, version, operation, created_at, actor_type,
                  api_key_id, request_id, changes, environment
           FROM environment_versions ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY created_at, event_position LIMIT ?`,
          params,
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
