import type { Sql } from '../../database/database';
import type { EnvironmentState } from '../domain/environment';
import type { EnvironmentEvent } from '../domain/events';
import { LIVE_TABLES } from './projection-tables';

/** The mutable columns of a row, in the order the statements below list them. */
function stateValues(s: EnvironmentState): unknown[] {
  return [s.name, s.description, JSON.stringify(s.config), JSON.stringify(s.metadata), s.scope, s.version, s.archived_at, s.updated_at];
}

/** Every column of an environment row, in the order of `environmentRowValues`. */
export const ENVIRONMENT_ROW_COLUMNS =
  'id, organization_id, created_at, name, description, config, metadata, scope, version, archived_at, updated_at';

export function environmentRowValues(s: EnvironmentState): unknown[] {
  return [s.id, s.organization_id, s.created_at, ...stateValues(s)];
}

/**
 * Current state, one row per live environment: the row is always
 * `fold(evolve, events)` of its stream, so command handlers load it as the
 * snapshot instead of replaying the stream.
 */
export async function projectEnvironment(
  tx: Sql,
  event: EnvironmentEvent,
  after: EnvironmentState | null,
): Promise<void> {
  switch (event.type) {
    case 'EnvironmentCreated': {
      const s = after!;
      await tx.execute(
        `INSERT INTO ${LIVE_TABLES.environments} (${ENVIRONMENT_ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        environmentRowValues(s),
      );
      return;
    }
    case 'EnvironmentModified':
    case 'EnvironmentArchived': {
      const s = after!;
      await tx.execute(
        `UPDATE ${LIVE_TABLES.environments} SET name = ?, description = ?, config = ?, metadata = ?, scope = ?, version = ?,
           archived_at = ?, updated_at = ? WHERE id = ?`,
        [...stateValues(s), s.id],
      );
      return;
    }
    case 'EnvironmentDeleted':
      await tx.execute(`DELETE FROM ${LIVE_TABLES.environments} WHERE id = ?`, [event.data.environment_id]);
      return;
    default: {
      const unknownEvent: never = event;
      throw new Error(`Unhandled event ${JSON.stringify(unknownEvent)}`);
    }
  }
}
