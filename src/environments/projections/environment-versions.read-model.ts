import { jsonOf, timestampOf } from '../../common/rows';
import { Sql, sql, SqlFragment } from '../../database/database';
import { presentCreatedBy } from '../../organizations/history/created-by';
import { FieldChange, initialChanges } from '../domain/changes';
import type { Networking } from '../domain/environment';
import { EnvironmentResource, presentEnvironment, renderNetworking } from '../resources/environment.resource';
import type { EnvironmentVersionResource, VersionOperation } from '../resources/environment-version.resource';
import { environmentVersionsTable } from './tables';

export interface VersionRow {
  id: string;
  event_position: number | string;
  environment_id: string;
  version: number | string;
  operation: string;
  created_at: unknown;
  actor_type: string;
  api_key_id: string | null;
  ip_address?: string | null;
  user_agent?: string | null;
  request_id: string | null;
  changes: unknown;
  environment: unknown;
}

const COLUMNS = sql.identifiers(
  environmentVersionsTable.columnNames.filter((column) => column !== 'organization_id'),
);

/** A change in the order path, from, to (jsonb stores object keys in its own order). */
function presentChange(change: FieldChange): FieldChange {
  const render = (value: unknown) =>
    change.path === 'config.networking' && value !== null && typeof value === 'object' ? renderNetworking(value as Networking) : value;
  return { path: change.path, from: render(change.from), to: render(change.to) };
}

/**
 * A version's changes as stored, or, for a creation stored compactly (no
 * changes: a creation always sets at least its name), every field of the
 * environment it created, as initialChanges lists them.
 */
function storedChanges(row: VersionRow): FieldChange[] {
  const changes = jsonOf<FieldChange[]>(row.changes);
  if (row.operation !== 'created' || changes.length > 0 || row.environment === null) return changes;
  return initialChanges(jsonOf<EnvironmentResource>(row.environment));
}

export function presentVersion(row: VersionRow): EnvironmentVersionResource {
  return {
    type: 'environment_version',
    id: row.id,
    environment_id: row.environment_id,
    version: Number(row.version),
    operation: row.operation as VersionOperation,
    created_at: timestampOf(row.created_at),
    created_by: presentCreatedBy(row.actor_type, row.api_key_id, row),
    request_id: row.request_id,
    changes: storedChanges(row).map(presentChange),
    environment: row.environment === null ? null : presentEnvironment(jsonOf<EnvironmentResource>(row.environment)),
  };
}

/** One environment's history, newest first: served by UNIQUE (environment_id, version). */
export async function listVersionsOfEnvironment(
  db: Sql,
  organizationId: string,
  environmentId: string,
  options: { beforeVersion: number | null; limit: number },
): Promise<VersionRow[]> {
  const before = options.beforeVersion;
  return db.query<VersionRow>(
    sql`SELECT ${COLUMNS} FROM environment_versions WHERE environment_id = ${environmentId} AND organization_id = ${organizationId}${sql.when(
      before !== null,
      () => sql` AND version < ${before}`,
    )} ORDER BY version DESC LIMIT ${options.limit + 1}`,
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
  organizationId: string,
  filters: VersionFilters,
  after: VersionPosition | null,
  limit: number,
): SqlFragment {
  const where = [sql`organization_id = ${organizationId}`];
  if (filters.environment_id !== undefined) where.push(sql`environment_id = ${filters.environment_id}`);
  if (filters.operation !== undefined) where.push(sql`operation = ${filters.operation}`);
  if (filters.api_key_id !== undefined) where.push(sql`api_key_id = ${filters.api_key_id}`);
  if (filters.created_at_gte !== undefined) where.push(sql`created_at >= ${sql.timestamp(filters.created_at_gte)}`);
  const lte = filters.created_at_lte;
  if (after) {
    // With a cursor, the upper time bound is folded into the cursor: one keyset bound, so the index range
    // starts at the cursor rather than at created_at[lte] with rows skipped up to it. The stricter of the two
    // bounds: a cursor later than created_at[lte] (one made under another filter) resumes just after lte.
    const bound = lte !== undefined && Date.parse(after.c) > Date.parse(lte) ? { c: lte, p: Number.MAX_SAFE_INTEGER } : after;
    where.push(sql`(created_at, event_position) < (${sql.timestamp(bound.c)}, ${bound.p})`);
  } else if (lte !== undefined) {
    where.push(sql`created_at <= ${sql.timestamp(lte)}`);
  }
  return sql`SELECT ${COLUMNS} FROM environment_versions WHERE ${sql.join(where, ' AND ')}
    ORDER BY created_at DESC, event_position DESC LIMIT ${limit + 1}`;
}

export async function listOrganizationVersions(
  db: Sql,
  organizationId: string,
  filters: VersionFilters,
  options: { after: VersionPosition | null; limit: number },
): Promise<VersionRow[]> {
  return db.query<VersionRow>(organizationVersionsQuery(organizationId, filters, options.after, options.limit));
}
