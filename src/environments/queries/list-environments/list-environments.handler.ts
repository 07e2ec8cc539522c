import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { encodePageCursor } from '../../../common/page-cursor';
import { Database, DATABASE } from '../../../database/database';
import { presentEnvironmentRow } from '../../resources/environment.resource';
import { listEnvironmentRows } from '../../projections/environments.read-model';
import { EnvironmentPage, ListEnvironmentsQuery } from './list-environments.query';

@QueryHandler(ListEnvironmentsQuery)
export class ListEnvironmentsHandler implements IQueryHandler<ListEnvironmentsQuery, EnvironmentPage> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ organizationId, limit, after, includeArchived, namePrefix }: ListEnvironmentsQuery): Promise<EnvironmentPage> {
    const rows = await listEnvironmentRows(this.db, organizationId, { includeArchived, after, limit, namePrefix });
    const data = rows.slice(0, limit).map(presentEnvironmentRow);
    if (rows.length <= limit) return { data };
    const last = data[data.length - 1];
    return { data, next_page: encodePageCursor({ c: last.created_at, i: last.id }) };
  }
}
