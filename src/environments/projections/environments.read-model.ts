import { Sql, sql, SqlFragment } from '../../database/database';
import type { PagePosition } from '../../common/page-cursor';
import type { EnvironmentState } from '../domain/environment';
import { EnvironmentRow, toEnvironmentState } from './environment-row';
import { charLength } from '../domain/rules';
import { environmentsTable } from './tables';

export { toEnvironmentState };

const COLUMNS = environmentsTable.columnList;

/**
 * The current-state row of one environment, scoped to its organization. Write
 * paths read it after taking the organization's log lock, so it is the latest
 * committed state and stays so until they commit.
 */
export async function findEnvironment(db: Sql, organizationId: string, id: string): Promise<EnvironmentState | null> {
  const row = await findEnvironmentRow(db, organizationId, id);
  return row ? toEnvironmentState(row) : null;
}

/** The same row as stored (JSON columns not parsed), for reads that render it (presentEnvironmentRow). */
export async function findEnvironmentRow(db: Sql, organizationId: string, id: string): Promise<EnvironmentRow | null> {
  const rows = await db.query<EnvironmentRow>(
    sql`SELECT ${COLUMNS} FROM environments WHERE id = ${id} AND organization_id = ${organizationId}`,
  );
  return rows.length ? rows[0] : null;
}

export async function isNameTaken(db: Sql, organizationId: string, name: string, exceptId: string): Promise<boolean> {
  const rows = await db.query(
    sql`SELECT id FROM environments WHERE organization_id = ${organizationId} AND name = ${name} AND id <> ${exceptId}`,
  );
  return rows.length > 0;
}

export interface ListOptions {
  includeArchived: boolean;
  after: PagePosition | null;
  limit: number;
  /** Only names starting with this text (case-sensitive, compared by characters, no wildcards). */
  namePrefix?: string | null;
}

/**
 * `name` starts with `prefix`: the first n characters equal it. substr counts
 * characters (code points) on both databases and `=` compares exactly, where
 * LIKE would treat `%` and `_` as wildcards and ignore case on SQLite.
 */
function nameStartsWith(prefix: string): SqlFragment {
  return sql` AND substr(name, 1, ${charLength(prefix)}) = ${prefix}`;
}

/**
 * One page, newest first, continuing after `after`. The row-value comparison
 * keeps this an index range scan (see the query-plan test); there is no OFFSET.
 * The environments not archived and the archived ones have an index each;
 * with archived ones included, the two ranges are merged in order, each read
 * only as far as the page needs: SQLite merges the arms of a compound SELECT
 * that each follow their index; PostgreSQL merges (Merge Append) subqueries
 * that each give at most a page. A name prefix only filters rows (PostgreSQL
 * may fetch the few matches by a bitmap scan of the organization and sort
 * them), so the cursor stays the same.
 * Returns up to `limit + 1` rows so the caller knows whether more exist.
 */
export function listEnvironmentsQuery(organizationId: string, options: ListOptions): SqlFragment {
  const { includeArchived, after, limit, namePrefix } = options;
  const newestFirst = sql` ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}`;
  const range = (archived: boolean) =>
    sql`SELECT ${COLUMNS} FROM environments WHERE organization_id = ${organizationId} AND archived_at ${sql.raw(archived ? 'IS NOT NULL' : 'IS NULL')}${sql.when(
      Boolean(namePrefix),
      () => nameStartsWith(namePrefix!),
    )}${sql.when(after !== null, () => sql` AND (created_at, id) < (${sql.timestamp(after!.c)}, ${after!.i})`)}`;
  if (!includeArchived) return sql`${range(false)}${newestFirst}`;
  return sql.perDatabase({
    sqlite: sql`${range(false)} UNION ALL ${range(true)}${newestFirst}`,
    postgres: sql`SELECT ${COLUMNS} FROM (${range(false)}${newestFirst}) AS active UNION ALL SELECT ${COLUMNS} FROM (${range(true)}${newestFirst}) AS archived${newestFirst}`,
  });
}

/** One page of rows as stored (JSON columns not parsed), for presentEnvironmentRow. */
export function listEnvironmentRows(db: Sql, organizationId: string, options: ListOptions): Promise<EnvironmentRow[]> {
  return db.query<EnvironmentRow>(listEnvironmentsQuery(organizationId, options));
}
