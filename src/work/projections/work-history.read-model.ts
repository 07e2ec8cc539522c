import { encodePageCursor } from '../../common/page-cursor';
import { Sql, sql } from '../../database/database';
import { HistoryPosition, positionOf } from '../../organizations/history/history.read-model';
import { workVersionsTable } from '../tables';

export const WORK_HISTORY_PAGE = { c: 'timestamp', p: 'int' } as const;

export interface WorkHistoryFilter {
  environmentId?: string;
  workId?: string;
}

const text = (value: unknown) => (typeof value === 'string' ? value : null);

/** Who made a work change: the API key, the environment key, the work secret of the item, or the service. */
function createdBy(row: Record<string, unknown>): Record<string, unknown> {
  const type = String(row.actor_type);
  const source = { ip_address: text(row.ip_address), user_agent: text(row.user_agent) };
  const id = text(row.actor_id);
  if (type === 'api_actor' && id) return { type, api_key_id: id, ...source };
  if (type === 'environment_key_actor' && id) return { type, environment_key_id: id, ...source };
  if (type === 'work_secret_actor' && id) return { type, work_id: id, ...source };
  return { type };
}

/** One page of the organization's work history, newest first, filtered by environment and/or item. */
export async function listWorkHistory(db: Sql, organizationId: string, filter: WorkHistoryFilter, after: HistoryPosition | null, limit: number) {
  const conditions = [sql`organization_id = ${organizationId}`];
  if (filter.environmentId !== undefined) conditions.push(sql`environment_id = ${filter.environmentId}`);
  if (filter.workId !== undefined) conditions.push(sql`work_id = ${filter.workId}`);
  if (after) conditions.push(sql`(created_at, event_position) < (${sql.timestamp(after.c)}, ${after.p})`);
  const rows = await db.query(
    sql`SELECT ${workVersionsTable.columnList} FROM ${workVersionsTable.ref} WHERE ${sql.join(conditions, ' AND ')}
        ORDER BY created_at DESC, event_position DESC LIMIT ${limit + 1}`,
  );
  const page = rows.slice(0, limit).map((row) => workVersionsTable.decode(row) as Record<string, unknown>);
  const data = page.map((row) => ({
    type: 'work_version' as const,
    id: String(row.id),
    work_id: String(row.work_id),
    environment_id: String(row.environment_id),
    version: Number(row.version),
    operation: String(row.operation),
    created_at: String(row.created_at),
    created_by: createdBy(row),
    request_id: text(row.request_id),
    changes: row.changes as unknown[],
    work: row.work,
  }));
  const next = rows.length > limit ? encodePageCursor({ ...positionOf(page[page.length - 1]) }) : null;
  return { data, next_page: next };
}
