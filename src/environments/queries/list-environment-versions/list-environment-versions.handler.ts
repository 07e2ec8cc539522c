import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { encodePageCursor } from '../../../common/page-cursor';
import { timestampOf } from '../../../common/rows';
import { Database, DATABASE } from '../../../database/database';
import { notFound } from '../../domain/decider';
import {
  listOrganizationVersions,
  listVersionsOfEnvironment,
  presentVersion,
} from '../../projections/environment-versions.read-model';
import { ListEnvironmentVersionsQuery, VersionPage } from './list-environment-versions.query';

@QueryHandler(ListEnvironmentVersionsQuery)
export class ListEnvironmentVersionsHandler implements IQueryHandler<ListEnvironmentVersionsQuery, VersionPage> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ organizationId, scope, limit }: ListEnvironmentVersionsQuery): Promise<VersionPage> {
    if ('environmentId' in scope) {
      const rows = await listVersionsOfEnvironment(this.db, organizationId, scope.environmentId, {
        beforeVersion: scope.beforeVersion,
        limit,
      });
      // The history outlives the environment, but an id the organization never had is a 404.
      if (rows.length === 0 && scope.beforeVersion === null) throw notFound(scope.environmentId);
      const data = rows.slice(0, limit).map(presentVersion);
      if (rows.length <= limit) return { data };
      return { data, next_page: encodePageCursor({ v: data[data.length - 1].version }) };
    }
    const rows = await listOrganizationVersions(this.db, organizationId, scope.filters, { after: scope.after, limit });
    const page = rows.slice(0, limit);
    const data = page.map(presentVersion);
    if (rows.length <= limit) return { data };
    const last = page[page.length - 1];
    return { data, next_page: encodePageCursor({ c: timestampOf(last.created_at), p: Number(last.event_position) }) };
  }
}
