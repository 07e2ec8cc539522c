import type { Sql, SqlFragment } from '../database/database';
import type { Table } from '../database/table';
import type { StoredEvent } from './stored-event';

type AnyEvent = { type: string; data: unknown };

/** A read-model table and the name of its scratch copy during a rebuild. */
export interface ReadModel {
  table: Table;
  scratch: string;
  /**
   * Live rows that are not derived from the log (yet) and must survive a
   * rebuild: kept as they are, and left out of verification.
   */
  notDerived?: SqlFragment;
  /**
   * Rows are only ever inserted (a history, one row per event), never read
   * or updated during a replay: the scratch copy gets its primary key once
   * it is filled, which costs far less than keeping it while inserting.
   */
  insertOnly?: true;
}

/** Where a family's projections write, by read-model key: the live tables, or the scratch copies. */
export type TableNames = Readonly<Record<string, string>>;

/**
 * The projections of one kind of stream (environments, API keys,
 * organizations), described so that one replay can rebuild and verify them
 * all from the log: which events are theirs, how a stream's state evolves,
 * and how a batch of evolved events is written (the same code writes a
 * command's events inline, into the live tables).
 */
export interface ProjectionFamily<S = unknown, E extends AnyEvent = AnyEvent> {
  readonly name: string;
  readonly readModels: Readonly<Record<string, ReadModel>>;
  readonly eventTypes: readonly string[];
  /** The stream's aggregate id; throws if the event names none. */
  idOf(event: E): string;
  /** True for the event that starts a stream (version 1). */
  starts(event: E): boolean;
  /** The state of an aggregate not yet seen in this replay, from the tables being written. */
  load(tx: Sql, id: string, tables: TableNames): Promise<S | null>;
  evolve(state: S | null, event: E): S | null;
  versionOf(state: S): number;
  project(tx: Sql, evolved: readonly Evolved<S, E>[], tables: TableNames): Promise<void>;
  /** The row of the current-state read model (the one not insertOnly) for a state: what `project` writes for it. */
  stateRow(state: S): Record<string, unknown>;
  /** The rows of the history read model (the insertOnly one) for a batch, in its order: what `project` writes for it. */
  historyRows(evolved: readonly Evolved<S, E>[]): Record<string, unknown>[];
}

/** An event, the state of its stream before it (null: none yet, or deleted) and after it. */
export interface Evolved<S = unknown, E extends AnyEvent = AnyEvent> {
  stored: StoredEvent<E>;
  before: S | null;
  after: S | null;
}

/** A family's two read models: the current state (one row per aggregate) and the history (one row per event, keyed by `id`, with an `event_position`). */
export function familyModels(family: ProjectionFamily): { state: ReadModel; history: ReadModel } {
  const models = Object.values(family.readModels);
  const state = models.filter((model) => !model.insertOnly);
  const history = models.filter((model) => model.insertOnly);
  if (state.length !== 1 || history.length !== 1) throw new Error(`family ${family.name} must have one state and one history read model`);
  return { state: state[0], history: history[0] };
}

export function scratchTables(family: ProjectionFamily): TableNames {
  return Object.fromEntries(Object.entries(family.readModels).map(([key, model]) => [key, model.scratch]));
}
