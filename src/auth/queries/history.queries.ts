import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { encodePageCursor } from '../../common/page-cursor';
import { Database, DATABASE } from '../../database/database';
import { HistoryPosition, listHistory, positionOf } from '../../organizations/history/history.read-model';
import { CreatedBy, presentCreatedBy } from '../../organizations/history/created-by';
import { organizationVersionsTable } from '../../organizations/tables';
import { apiKeyVersionsTable } from '../tables';

/** One recorded change of a key (`api_key_version`) or of the organization's freeze (`organization_version`). */
export interface HistoryEntry {
  type: 'api_key_version' | 'organization_version';
  id: string;
  version: number;
  operation: string;
  created_at: string;
  created_by: CreatedBy;
  request_id: string | null;
  changes: unknown[];
  [subject: string]: unknown;
}

export interface HistoryPage {
  data: HistoryEntry[];
  next_page?: string;
}

const HISTORIES = {
  api_keys: { table: apiKeyVersionsTable, type: 'api_key_version', subject: ['api_key_id', 'api_key'] },
  organization: { table: organizationVersionsTable, type: 'organization_version', subject: ['organization_id', 'organization'] },
} as const;

/** The organization's history of key changes, or of freezes: newest first. */
export class ListHistoryQuery extends Query<HistoryPage> {
  constructor(
    readonly history: keyof typeof HISTORIES,
    readonly organizationId: string,
    readonly after: HistoryPosition | null,
    readonly limit: number,
  ) {
    super();
  }
}

@QueryHandler(ListHistoryQuery)
export class ListHistoryHandler implements IQueryHandler<ListHistoryQuery, HistoryPage> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ history, organizationId, after, limit }: ListHistoryQuery): Promise<HistoryPage> {
    const { table, type, subject } = HISTORIES[history];
    const rows = (await listHistory(this.db, table, organizationId, after, limit)) as Record<string, unknown>[];
    const page = rows.slice(0, limit);
    const data = page.map(
      (row): HistoryEntry => ({
        type,
        id: String(row.id),
        [subject[0]]: row[subject[0]],
        version: Number(row.version),
        operation: String(row.operation),
        created_at: String(row.created_at),
        created_by: presentCreatedBy(String(row.actor_type), row.actor_api_key_id as string | null, row),
        request_id: row.request_id as string | null,
        changes: row.changes as unknown[],
        [subject[1]]: row[subject[1]],
      }),
    );
    if (rows.length <= limit) return { data };
    return { data, next_page: encodePageCursor({ ...positionOf(page[page.length - 1]) }) };
  }
}
