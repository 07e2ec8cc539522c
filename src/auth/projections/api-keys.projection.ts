import type { Sql } from '../../database/database';
import { insertRows, upsertRows } from '../../database/table';
import type { StoredEvent } from '../../event-store/event-store';
import type { TableNames } from '../../event-store/projection-family';
import type { ApiKeyEvent, ApiKeyState } from '../domain/api-key';
import { presentApiKeySnapshot } from '../resources/api-key.resource';
import { apiKeysTable, apiKeyVersionsTable } from '../tables';
import { historyRow } from '../../organizations/history/history-row';

/** A key event and the key's state after it. */
export interface EvolvedApiKeyEvent {
  stored: StoredEvent<ApiKeyEvent>;
  /** Never null after a key event; typed as the aggregate's state. */
  after: ApiKeyState | null;
}

const operations = { ApiKeyCreated: 'created', ApiKeyRotated: 'rotated', ApiKeyRevoked: 'revoked' } as const;

function changesOf(event: ApiKeyEvent): { path: string; from: unknown; to: unknown }[] {
  switch (event.type) {
    case 'ApiKeyCreated':
      return [
        { path: 'name', from: null, to: event.data.name },
        { path: 'scope', from: null, to: event.data.scope },
        { path: 'expires_at', from: null, to: event.data.expires_at },
      ].filter((change) => change.to !== null);
    case 'ApiKeyRotated':
      return [{ path: 'key_hint', from: null, to: event.data.key_hint }];
    case 'ApiKeyRevoked':
      return [{ path: 'revoked_at', from: null, to: event.data.revoked_at }];
    default: {
      const unknownEvent: never = event;
      throw new Error(`Unhandled event ${JSON.stringify(unknownEvent)}`);
    }
  }
}

/**
 * Writes what a batch of key events did: each touched key's final state
 * (upserted) and one history row per event.
 */
export async function projectApiKeyEvents(
  tx: Sql,
  events: readonly EvolvedApiKeyEvent[],
  tables: TableNames = { api_keys: apiKeysTable.name, api_key_versions: apiKeyVersionsTable.name },
): Promise<void> {
  const latest = new Map<string, ApiKeyState>();
  for (const { after } of events) if (after) latest.set(after.id, after);
  const states = [...latest.values()] as unknown as Record<(typeof apiKeysTable.columnNames)[number], unknown>[];
  for (const upsert of upsertRows(apiKeysTable, states, tables.api_keys)) await tx.execute(upsert);
  for (const insert of insertRows(apiKeyVersionsTable, apiKeyHistoryRows(events), tables.api_key_versions)) await tx.execute(insert);
}

/** One `api_key_versions` row per key event. */
export function apiKeyHistoryRows(events: readonly EvolvedApiKeyEvent[]) {
  return events.map(({ stored, after }) => ({
    ...historyRow(stored, 'keyver_', operations[stored.event.type], changesOf(stored.event)),
    api_key_id: stored.event.data.api_key_id,
    api_key: after && presentApiKeySnapshot(after),
  }));
}
