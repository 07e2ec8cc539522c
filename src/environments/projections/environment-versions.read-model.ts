import { jsonOf, timestampOf } from '../../common/rows';
import type { Sql } from '../../database/database';
import type { FieldChange } from '../domain/changes';
import type { Networking } from '../domain/environment';
import { EnvironmentResource, presentEnvironment, renderNetworking } from '../resources/environment.resource';
import type { EnvironmentVersionResource, VersionOperation } from '../resources/environment-version.resource';

export interface VersionRow {
  id: string;
  event_position: number | string;
  environment_id: string;
  version: number | string;
  operation: string;
  created_at: unknown;
  actor_type: string;
  api_key_id: string | null;
  request_id: string | null;
  changes: unknown;
  environment: unknown;
}

const COLUMNS =
  'id, event_position, environment_id, version, operation, created_at, actor_type, api_key_id, request_id, changes, environment';

/** A change in the order path, from, to (jsonb stores object keys in its own order). */
function presentChange(change: FieldChange): FieldChange {
  const render = (value: unknown) =>
    change.path === 'config.networking' && value !== null && typeof value === 'object' ? renderNetworking(value as Networking) : value;
  return { path: change.path, from: render(change.from), to: render(change.to) };
}

export function presentVersion(row: VersionRow): EnvironmentVersionResource {
  return {
    type: 'environment_version',
    id: row.id,
    environment_id: row.environment_id,
    version: Number(row.version),
    operation: row.operation as VersionOperation,
    created_at: timestampOf(row.created_at),
    created_by:
      row.actor_type === 'api_actor' && row.api_key_id
        ? { type: 'api_actor', api_key_id: row.api_key_id }
        : { type: row.actor_type },
    request_id: row.request_id,
    changes: jsonOf<FieldChange[]>(row.changes).map(presentChange),
    environment: row.environment === null ? null : presentEnvironment(jsonOf<EnvironmentResource>(row.environment)),
  };
}

/** One environment's history, newest first: served by UNIQUE (environment_id, version). */
export async function listVersionsOfEnvironment(
  sql: Sql,
  organizationId: string,
  environmentId: string,
  options: { beforeVersion: number | null; limit: number },
): Promise<VersionRow[]> {
  const params: unknown[] = [environmentId, organizationId];
  let where = 'environment_id = ? AND organization_id = ?';
  if (options.beforeVersion !== null) {
    where += ' AND version < ?';
    params.push(options.beforeVersion);
  }
  params.push(options.limit + 1);
  return sql.query<VersionRow>(
    `SELECT ${COLUMNS} FROM environment_versions WHERE ${where} ORDER BY version DESC LIMIT ?`,
    params,
  );
}

export interface VersionFilters {
  environment_id?: string;
  operation?: VersionOperation;
  api_key_id?: string;
  created_at_gte?: string;
  created_at_lte?: string;
}

/** Keyset position in the organization-wide history: `created_at`, then the event's log position. */
export interface VersionPosition {
  c: string;
  p: number;
}

/**
 * The organization-wide history, newest first, filtered. The equality
 * filters pick an index whose key is (organization_id, <filters>, created_at,
 * event_position), so the time range and the cursor are one range scan.
 */
export function organizationVersionsQuery(
  dialect: Sql['dialect'],
  filters: VersionFilters,
  after: boolean,
): string {
  const ts = dialect === 'postgres' ? '?::timestamptz' : '?';
  const where = ['organization_id = ?'];
  if (filters.environment_id !== undefined) where.push('environment_id = ?');
  if (filters.operation !== undefined) where.push('operation = ?');
  if (filters.api_key_id !== undefined) where.push('api_key_id = ?');
  if (filters.created_at_gte !== undefined) where.push(`created_at >= ${ts}`);
  // With a cursor, the upper time bound is folded into the cursor (see
  // organizationVersionsParams): one keyset bound, so the index range starts
  // at the cursor rather than at created_at[lte] with rows skipped up to it.
  if (filters.created_at_lte !== undefined && !after) where.push(`created_at <= ${ts}`);
  if (after) where.push(`(created_at, event_position) < (${ts}, ?)`);
  return `SELECT ${COLUMNS} FROM environment_versions WHERE ${where.join(' AND ')}
    ORDER BY created_at DESC, event_position DESC LIMIT ?`;
}

export function organizationVersionsParams(
  organizationId: string,
  filters: VersionFilters,
  after: VersionPosition | null,
  limit: number,
): unknown[] {
  const params: unknown[] = [organizationId];
  for (const key of ['environment_id', 'operation', 'api_key_id', 'created_at_gte'] as const) {
    if (filters[key] !== undefined) params.push(filters[key]);
  }
  const lte = filters.created_at_lte;
  if (after) {
    // The stricter of the two upper bounds: a cursor later than created_at[lte]
    // (one made under another filter) resumes just after the lte instant.
    const bound = lte !== undefined && Date.parse(after.c) > Date.parse(lte) ? { c: lte, p: Number.MAX_SAFE_INTEGER } : after;
    params.push(bound.c, bound.p);
  } else if (lte !== undefined) {
    params.push(lte);
  }
  params.push(limit + 1);
  return params;
}

export async function listOrganizationVersions(
  sql: Sql,
  organizationId: string,
  filters: VersionFilters,
  options: { after: VersionPosition | null; limit: number },
): Promise<VersionRow[]> {
  return sql.query<VersionRow>(
    organizationVersionsQuery(sql.dialect, filters, options.after !== null),
    organizationVersionsParams(organizationId, filters, options.after, options.limit),
  );
}
