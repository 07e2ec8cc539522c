import type { Sql } from '../../database/database';
import { jsonOf, nullableTimestampOf, timestampOf } from '../../common/rows';
import type { PagePosition } from '../../common/page-cursor';
import type { EnvironmentConfig, EnvironmentState } from '../domain/environment';

interface EnvironmentRow {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  config: unknown;
  metadata: unknown;
  scope: string;
  version: number | string;
  archived_at: unknown;
  created_at: unknown;
  updated_at: unknown;
}

const COLUMNS =
  'id, organization_id, name, description, config, metadata, scope, version, archived_at, created_at, updated_at';

export function toEnvironmentState(row: EnvironmentRow): EnvironmentState {
  return {
    id: row.id,
    organization_id: row.organization_id,
    name: row.name,
    description: row.description,
    config: jsonOf<EnvironmentConfig>(row.config),
    metadata: jsonOf<Record<string, string>>(row.metadata),
    scope: row.scope as 'organization',
    version: Number(row.version),
    archived_at: nullableTimestampOf(row.archived_at),
    created_at: timestampOf(row.created_at),
    updated_at: timestampOf(row.updated_at),
  };
}

/**
 * The current-state row of one environment, scoped to its organization. Write
 * paths read it after taking the organization's log lock, so it is the latest
 * committed state and stays so until they commit.
 */
export async function findEnvironment(sql: Sql, organizationId: string, id: string): Promise<EnvironmentState | null> {
  const rows = await sql.query<EnvironmentRow>(
    `SELECT ${COLUMNS} FROM environments WHERE id = ? AND organization_id = ?`,
    [id, organizationId],
  );
  return rows.length ? toEnvironmentState(rows[0]) : null;
}

export async function isNameTaken(sql: Sql, organizationId: string, name: string, exceptId: string): Promise<boolean> {
  const rows = await sql.query('SELECT id FROM environments WHERE organization_id = ? AND name = ? AND id <> ?', [
    organizationId,
    name,
    exceptId,
  ]);
  return rows.length > 0;
}

/**
 * One page, newest first, continuing after `after`. The row-value comparison
 * keeps this an index range scan (see the query-plan test); there is no OFFSET.
 * Returns up to `limit + 1` rows so the caller knows whether more exist.
 */
export function listEnvironmentsQuery(
  dialect: Sql['dialect'],
  options: { includeArchived: boolean; after: boolean },
): string {
  const ts = dialect === 'postgres' ? '?::timestamptz' : '?';
  return [
    `SELECT ${COLUMNS} FROM environments WHERE organization_id = ?`,
    options.includeArchived ? '' : ' AND archived_at IS NULL',
    options.after ? ` AND (created_at, id) < (${ts}, ?)` : '',
    ' ORDER BY created_at DESC, id DESC LIMIT ?',
  ].join('');
}

export async function listEnvironments(
  sql: Sql,
  organizationId: string,
  options: { includeArchived: boolean; after: PagePosition | null; limit: number },
): Promise<EnvironmentState[]> {
  const { includeArchived, after, limit } = options;
  const params: unknown[] = [organizationId];
  if (after) params.push(after.c, after.i);
  params.push(limit + 1);
  const rows = await sql.query<EnvironmentRow>(
    listEnvironmentsQuery(sql.dialect, { includeArchived, after: after !== null }),
    params,
  );
  return rows.map(toEnvironmentState);
}
