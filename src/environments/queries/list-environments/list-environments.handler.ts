import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { encodePageCursor } from '../../../common/page-cursor';
import { Database, DATABASE } from '../../../database/database';
import { presentEnvironment } from '../../resources/environment.resource';
import { listEnvironments } from '../../projections/environments.read-model';
import { EnvironmentPage, ListEnvironmentsQuery } from './list-environments.query';

@QueryHandler(ListEnvironmentsQuery)
export class ListEnvironmentsHandler implements IQueryHandler<ListEnvironmentsQuery, EnvironmentPage> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ organizationId, limit, after, includeArchived, namePrefix }: ListEnvironmentsQuery): Promise<EnvironmentPage> {
    const rows = await listEnvironments(this.db, organizationId, { includeArchived, after, limit, namePrefix });
    const page = rows.slice(0, limit);
    const data = page.map(presentEnvironment);
    if (rows.length <= limit) return { data };
    const last = page[page.length - 1];
    return { data, next_page: encodePageCursor({ c: last.created_at, i: last.id }) };
  }
}
