import { jsonOf, timestampOf } from '../../common/rows';
import { Sql, sql, SqlFragment } from '../../database/database';
import { presentCreatedBy } from '../../organizations/history/created-by';
import { FieldChange, initialChanges } from '../domain/changes';
import type { Networking } from '../domain/environment';
import { EnvironmentResource, presentEnvironment, renderNetworking } from '../resources/environment.resource';
import type { EnvironmentVersionResource, VersionOperation } from '../resources/environment-version.resource';
import { toEnvironmentState } from './environments.read-model';
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
  /** The next version's `previous`, and the current row's columns when this is the newest version (SNAPSHOT_JOINS). */
  next_previous: unknown;
  current_name?: string | null;
  current_description?: string | null;
  current_config?: unknown;
  current_metadata?: unknown;
  current_scope?: string | null;
  current_archived_at?: unknown;
  current_created_at?: unknown;
  current_updated_at?: unknown;
}

const TABLE = environmentVersionsTable.name;
/** The history's columns a version is presented from, qualified with `table` (or an alias) and named `prefix` + column. */
export function versionColumns(table: string, prefix = ''): SqlFragment {
  const own = environmentVersionsTable.columnNames.filter((column) => column !== 'organization_id' && column !== 'previous');
  const current = ['name', 'description', 'config', 'metadata', 'scope', 'archived_at', 'created_at', 'updated_at'];
  return sql.raw(
    [
      ...own.map((column) => `${table}.${column} AS ${prefix}${column}`),
      `next_version.previous AS ${prefix}next_previous`,
      ...current.map((column) => `current_row.${column} AS ${prefix}current_${column}`),
    ].join(', '),
  );
}

/**
 * What a version's environment is read from (see tables.ts): the next
 * version's `previous` (UNIQUE (environment_id, version)), or for the newest
 * version of a live environment its current row (by primary key).
 */
export function snapshotJoins(table: string): SqlFragment {
  return sql.raw(
    `LEFT JOIN ${TABLE} next_version ON next_version.environment_id = ${table}.environment_id AND next_version.version = ${table}.version + 1
     LEFT JOIN environments current_row ON next_version.id IS NULL AND current_row.id = ${table}.environment_id AND current_row.version = ${table}.version`,
  );
}

const COLUMNS = versionColumns(TABLE);
const FROM = sql`${sql.raw(TABLE)} ${snapshotJoins(TABLE)}`;
const column = (name: string) => sql.raw(`${TABLE}.${name}`);

/** The environment as of this version: null for a deletion. */
function snapshotOf(row: VersionRow): EnvironmentResource | null {
  if (row.next_previous !== null && row.next_previous !== undefined) return jsonOf<EnvironmentResource>(row.next_previous);
  if (row.current_name === null || row.current_name === undefined) return null;
  return presentEnvironment(
    toEnvironmentState({
      id: row.environment_id,
      organization_id: '',
      name: row.current_name,
      description: row.current_description ?? null,
      config: row.current_config,
      metadata: row.current_metadata,
      scope: row.current_scope!,
      version: row.version,
      archived_at: row.current_archived_at,
      created_at: row.current_created_at,
      updated_at: row.current_updated_at,
    }),
  );
}

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
function storedChanges(row: VersionRow, environment: EnvironmentResource | null): FieldChange[] {
  const changes = jsonOf<FieldChange[]>(row.changes);
  if (row.operation !== 'created' || changes.length > 0 || environment === null) return changes;
  return initialChanges(environment);
}

export function presentVersion(row: VersionRow): EnvironmentVersionResource {
  const environment = snapshotOf(row);
  return {
    type: 'environment_version',
    id: row.id,
    environment_id: row.environment_id,
    version: Number(row.version),
    operation: row.operation as VersionOperation,
    created_at: timestampOf(row.created_at),
    created_by: presentCreatedBy(row.actor_type, row.api_key_id, row),
    request_id: row.request_id,
    changes: storedChanges(row, environment).map(presentChange),
    environment: environment === null ? null : presentEnvironment(environment),
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
    sql`SELECT ${COLUMNS} FROM ${FROM} WHERE ${column('environment_id')} = ${environmentId} AND ${column('organization_id')} = ${organizationId}${sql.when(
      before !== null,
      () => sql` AND ${column('version')} < ${before}`,
    )} ORDER BY ${column('version')} DESC LIMIT ${options.limit + 1}`,
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
  const [createdAt, position] = [column('created_at'), column('event_position')];
  const where = [sql`${column('organization_id')} = ${organizationId}`];
  if (filters.environment_id !== undefined) where.push(sql`${column('environment_id')} = ${filters.environment_id}`);
  if (filters.operation !== undefined) where.push(sql`${column('operation')} = ${filters.operation}`);
  if (filters.api_key_id !== undefined) where.push(sql`${column('api_key_id')} = ${filters.api_key_id}`);
  if (filters.created_at_gte !== undefined) where.push(sql`${createdAt} >= ${sql.timestamp(filters.created_at_gte)}`);
  const lte = filters.created_at_lte;
  if (after) {
    // With a cursor, the upper time bound is folded into the cursor: one keyset bound, so the index range
    // starts at the cursor rather than at created_at[lte] with rows skipped up to it. The stricter of the two
    // bounds: a cursor later than created_at[lte] (one made under another filter) resumes just after lte.
    const bound = lte !== undefined && Date.parse(after.c) > Date.parse(lte) ? { c: lte, p: Number.MAX_SAFE_INTEGER } : after;
    where.push(sql`(${createdAt}, ${position}) < (${sql.timestamp(bound.c)}, ${bound.p})`);
  } else if (lte !== undefined) {
    where.push(sql`${createdAt} <= ${sql.timestamp(lte)}`);
  }
  return sql`SELECT ${COLUMNS} FROM ${FROM} WHERE ${sql.join(where, ' AND ')}
    ORDER BY ${createdAt} DESC, ${position} DESC LIMIT ${limit + 1}`;
}

export async function listOrganizationVersions(
  db: Sql,
  organizationId: string,
  filters: VersionFilters,
  options: { after: VersionPosition | null; limit: number },
): Promise<VersionRow[]> {
  return db.query<VersionRow>(organizationVersionsQuery(organizationId, filters, options.after, options.limit));
}
