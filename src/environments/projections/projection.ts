import type { Sql } from '../../database/database';
import type { StoredEvent } from '../../event-store/event-store';
import type { EnvironmentState } from '../domain/environment';
import type { EnvironmentEvent } from '../domain/events';
import type { ProjectionTables } from './tables';

/** An event, the environment state it found (null before the creation) and the one it produced (null once deleted). */
export interface EvolvedEvent {
  stored: StoredEvent<EnvironmentEvent>;
  before: EnvironmentState | null;
  after: EnvironmentState | null;
}

/**
 * A read model written in batches (emmett's shape): `evolve` writes what a
 * batch of events did, in the caller's transaction, into `tables`. Inline, a
 * command's events are a batch (of one, mostly) into the live tables; a
 * rebuild feeds batches of 1,000 from the log to the same code, into
 * scratch tables.
 */
export interface Projection {
  readonly name: string;
  readonly canHandle: readonly EnvironmentEvent['type'][];
  evolve(sql: Sql, events: readonly EvolvedEvent[], tables: ProjectionTables): Promise<void>;
}
