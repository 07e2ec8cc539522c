import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, Clock } from '../../common/clock';
import { encodePageCursor, PagePosition } from '../../common/page-cursor';
import { Database, DATABASE } from '../../database/database';
import { apiKeyNotFound } from '../domain/api-key.decider';
import { findApiKey, listApiKeys } from '../projections/api-keys.read-model';
import { ApiKeyResource, presentApiKey } from '../resources/api-key.resource';

export interface ApiKeyPage {
  data: ApiKeyResource[];
  next_page?: string;
}

/** The organization's keys, newest first, never their secrets. */
export class ListApiKeysQuery extends Query<ApiKeyPage> {
  constructor(
    readonly organizationId: string,
    readonly limit: number,
    readonly after: PagePosition | null,
  ) {
    super();
  }
}

export class GetApiKeyQuery extends Query<ApiKeyResource> {
  constructor(
    readonly organizationId: string,
    readonly apiKeyId: string,
  ) {
    super();
  }
}

@QueryHandler(ListApiKeysQuery)
export class ListApiKeysHandler implements IQueryHandler<ListApiKeysQuery, ApiKeyPage> {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ organizationId, limit, after }: ListApiKeysQuery): Promise<ApiKeyPage> {
    const rows = await listApiKeys(this.db, organizationId, after, limit);
    const now = this.clock.now();
    const data = rows.slice(0, limit).map((row) => presentApiKey(row.state, row.last_used_at, now));
    if (rows.length <= limit) return { data };
    const last = data[data.length - 1];
    return { data, next_page: encodePageCursor({ c: last.created_at, i: last.id }) };
  }
}

@QueryHandler(GetApiKeyQuery)
export class GetApiKeyHandler implements IQueryHandler<GetApiKeyQuery, ApiKeyResource> {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ organizationId, apiKeyId }: GetApiKeyQuery): Promise<ApiKeyResource> {
    const found = await findApiKey(this.db, apiKeyId, organizationId);
    if (!found) throw apiKeyNotFound(apiKeyId);
    return presentApiKey(found.state, found.last_used_at, this.clock.now());
  }
}
