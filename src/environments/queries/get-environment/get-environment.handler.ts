import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { jsonOf } from '../../../common/rows';
import { Database, DATABASE, sql } from '../../../database/database';
import { notFound } from '../../domain/decider';
import { DomainError, DomainErrorCode } from '../../domain/errors';
import { EnvironmentResource, presentEnvironment, presentEnvironmentRow } from '../../resources/environment.resource';
import { findEnvironmentRow } from '../../projections/environments.read-model';
import { GetEnvironmentQuery } from './get-environment.query';

@QueryHandler(GetEnvironmentQuery)
export class GetEnvironmentHandler implements IQueryHandler<GetEnvironmentQuery, EnvironmentResource> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ organizationId, environmentId, version }: GetEnvironmentQuery): Promise<EnvironmentResource> {
    const row = await findEnvironmentRow(this.db, organizationId, environmentId);
    if (!row) throw notFound(environmentId);
    const current = presentEnvironmentRow(row);
    if (version === undefined || version === current.version) return current;
    const noSuchVersion = () =>
      new DomainError(
        DomainErrorCode.EnvironmentNotFound,
        `version: environment ${environmentId} has no version ${version} (latest is ${current.version})`,
      );
    // Beyond the latest is answered without a query (and so whatever its size).
    if (version > current.version) throw noSuchVersion();
    // An earlier version's environment is what the next version found (environment_versions.previous).
    const rows = await this.db.query<{ environment: unknown }>(
      sql`SELECT previous AS environment FROM environment_versions
          WHERE environment_id = ${environmentId} AND organization_id = ${organizationId} AND version = ${version + 1}`,
    );
    if (!rows.length || rows[0].environment === null) throw noSuchVersion();
    return presentEnvironment(jsonOf<EnvironmentResource>(rows[0].environment));
  }
}
