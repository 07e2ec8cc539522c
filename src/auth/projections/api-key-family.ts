import { sql } from '../../database/database';
import type { ProjectionFamily } from '../../event-store/projection-family';
import { API_KEY_EVENT_TYPES, ApiKeyEvent, ApiKeyState, evolveApiKey } from '../domain/api-key';
import { isScope } from '../domain/scope';
import { apiKeysTable, apiKeyVersionsTable } from '../tables';
import { apiKeyHistoryRows, projectApiKeyEvents } from './api-keys.projection';

/** API keys and their history as one family of the log's projections. */
export const apiKeyFamily: ProjectionFamily<ApiKeyState, ApiKeyEvent> = {
  name: 'api_keys',
  readModels: {
    // A key from before key events (version 0) has no stream until the next start-up records it.
    api_keys: { table: apiKeysTable, scratch: 'rebuild_api_keys', notDerived: sql`version = 0` },
    api_key_versions: { table: apiKeyVersionsTable, scratch: 'rebuild_api_key_versions', insertOnly: true },
  },
  eventTypes: API_KEY_EVENT_TYPES,
  idOf(event) {
    const id = event.data.api_key_id;
    if (typeof id !== 'string') throw new Error('it names no API key');
    return id;
  },
  starts: (event) => event.type === 'ApiKeyCreated',
  async load(tx, id, tables) {
    const rows = await tx.query(sql`SELECT ${apiKeysTable.columnList} FROM ${sql.raw(tables.api_keys)} WHERE id = ${id}`);
    if (!rows.length) return null;
    const row = apiKeysTable.decode(rows[0]);
    return { ...(row as unknown as ApiKeyState), scope: isScope(row.scope) ? row.scope : 'read' };
  },
  evolve: evolveApiKey,
  versionOf: (state) => state.version,
  project: (tx, evolved, tables) => projectApiKeyEvents(tx, evolved, tables),
  stateRow: (state) => state as unknown as Record<string, unknown>,
  historyRows: apiKeyHistoryRows,
};
