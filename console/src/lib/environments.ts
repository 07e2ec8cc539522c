import { apiGet } from '../api/client';
import type { Environment, EnvironmentVersion } from '../api/types';
import type { Page } from './paged';

export type Status = 'active' | 'archived' | 'deleted';
export type StatusFilter = 'all' | Status;
export const STATUS_FILTERS: readonly StatusFilter[] = ['all', 'active', 'archived', 'deleted'];

/** One row of the environments list: a live environment, or a deleted one known from its history. */
export interface EnvironmentRow {
  id: string;
  name: string;
  status: Status;
  created_at: string;
  /** When it was deleted (deleted rows only). */
  deleted_at?: string;
}

export function statusOf(environment: Environment): Status {
  return environment.archived_at ? 'archived' : 'active';
}

const PAGE_SIZE = 25;

/**
 * The environment as it was just before it was deleted (the deleted version
 * carries no snapshot), from the two newest versions of its history.
 */
export async function beforeDeletion(id: string, signal?: AbortSignal): Promise<{ deleted: EnvironmentVersion | null; last: Environment | null }> {
  const versions = await apiGet('/v1/environments/{id}/versions', { path: { id }, query: { limit: 2 }, signal });
  const deleted = versions.data.find((v) => v.operation === 'deleted') ?? null;
  const last = versions.data.find((v) => v.environment)?.environment ?? null;
  return { deleted, last };
}

/** One page of the list for a status filter and a name prefix (newest first, on the API's cursor). */
export async function environmentsPage(filter: StatusFilter, prefix: string, cursor: string | undefined, signal: AbortSignal): Promise<Page<EnvironmentRow>> {
  if (filter === 'deleted') return deletedPage(prefix, cursor, signal);
  const query = { include_archived: filter !== 'active', limit: PAGE_SIZE, page: cursor, name_prefix: prefix || undefined };
  const answer = await apiGet('/v1/environments', { query, signal });
  const rows = answer.data
    .map((e): EnvironmentRow => ({ id: e.id, name: e.name, status: statusOf(e), created_at: e.created_at }))
    .filter((row) => filter === 'all' || row.status === filter);
  return { items: rows, next: answer.next_page };
}

/** Deleted environments come from the history, which outlives them; the name from the version before. */
async function deletedPage(prefix: string, cursor: string | undefined, signal: AbortSignal): Promise<Page<EnvironmentRow>> {
  const answer = await apiGet('/v1/environment_versions', { query: { operation: 'deleted', limit: PAGE_SIZE, page: cursor }, signal });
  const rows = await Promise.all(
    answer.data.map(async (version): Promise<EnvironmentRow> => {
      const { last } = await beforeDeletion(version.environment_id, signal);
      return {
        id: version.environment_id,
        name: last?.name ?? '(unknown name)',
        status: 'deleted',
        created_at: last?.created_at ?? version.created_at,
        deleted_at: version.created_at,
      };
    }),
  );
  return { items: rows.filter((row) => row.name.startsWith(prefix)), next: answer.next_page };
}
