import type { Sql } from '../database/database';
import { DomainError, DomainErrorCode } from '../environments/domain/errors';
import type { EnvironmentState } from '../environments/domain/environment';
import { findEnvironment } from '../environments/projections/environments.read-model';
import { WorkError, WorkErrorCode } from './domain/errors';

/** The environment of the organization (404 if it has none of that id). */
export async function requireEnvironment(db: Sql, organizationId: string, environmentId: string): Promise<EnvironmentState> {
  const environment = await findEnvironment(db, organizationId, environmentId);
  if (!environment) throw new DomainError(DomainErrorCode.EnvironmentNotFound, `No environment ${environmentId} in this organization`);
  return environment;
}

/** An environment that can take work and keys: self-hosted and not archived. */
export async function requireActiveSelfHosted(db: Sql, organizationId: string, environmentId: string): Promise<EnvironmentState> {
  const environment = await requireEnvironment(db, organizationId, environmentId);
  if (environment.config.type !== 'self_hosted') {
    throw new WorkError(WorkErrorCode.EnvironmentNotSelfHosted, `Environment ${environmentId} is not self-hosted (config.type "${environment.config.type}"): it has no work queue`);
  }
  if (environment.archived_at !== null) throw new DomainError(DomainErrorCode.EnvironmentArchived, `Environment ${environmentId} is archived`);
  return environment;
}
