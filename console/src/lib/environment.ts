import { apiGet, apiGetAll, ApiFailure } from '../api/client';
import type { Environment } from '../api/types';
import { beforeDeletion, statusOf, type Status } from './environments';

/** What the detail page shows: the environment (now, or as of a version) and its status. */
export interface EnvironmentState {
  environment: Environment;
  status: Status;
  /** When it was deleted: then `environment` is how it was just before. */
  deletedAt: string | null;
}

/**
 * One environment, now or as of version `asOf`. A deleted environment is a
 * 404 to the API, but its history outlives it: it is shown from there.
 */
export async function loadEnvironment(id: string, asOf: number | null, signal: AbortSignal): Promise<EnvironmentState> {
  try {
    const environment = await apiGet('/v1/environments/{id}', { path: { id }, query: asOf === null ? {} : { version: asOf }, signal });
    return { environment, status: statusOf(environment), deletedAt: null };
  } catch (error) {
    if (!(error instanceof ApiFailure) || error.status !== 404) throw error;
    const history = await beforeDeletion(id, signal).catch(() => null);
    if (!history?.deleted) throw error;
    const deletedAt = history.deleted.created_at;
    if (asOf === null) {
      if (!history.last) throw error;
      return { environment: history.last, status: 'deleted', deletedAt };
    }
    const versions = await apiGetAll('/v1/environments/{id}/versions', { path: { id }, signal });
    const version = versions.find((v) => v.version === asOf);
    if (!version?.environment) throw error;
    return { environment: version.environment, status: statusOf(version.environment), deletedAt };
  }
}
