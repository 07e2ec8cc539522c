import type { Sql } from '../../database/database';
import { insertRows, upsertRows } from '../../database/table';
import type { StoredEvent } from '../../event-store/event-store';
import type { TableNames } from '../../event-store/projection-family';
import type { FreezeState, OrganizationEvent } from '../domain/freeze';
import { historyRow } from '../history/history-row';
import { organizationFreezesTable, organizationVersionsTable } from '../tables';

export interface EvolvedOrganizationEvent {
  stored: StoredEvent<OrganizationEvent>;
  /** Never null after a freeze event; typed as the family's state. */
  after: FreezeState | null;
}

/** The freeze as its history shows it. */
export function presentFreeze(state: FreezeState) {
  return { creates: state.creates, updates: state.updates, reason: state.reason, frozen_at: state.frozen_at };
}

/** The `organization_freezes` row of a freeze. */
export function freezeRowOf(state: FreezeState) {
  return { ...state, creates: state.creates ? 1 : 0, updates: state.updates ? 1 : 0 };
}

/** Writes what a batch of freeze events did: each organization's final freeze row and one history row per event. */
export async function projectFreezeEvents(
  tx: Sql,
  events: readonly EvolvedOrganizationEvent[],
  tables: TableNames = { organization_freezes: organizationFreezesTable.name, organization_versions: organizationVersionsTable.name },
): Promise<void> {
  const latest = new Map<string, FreezeState>();
  for (const { after } of events) if (after) latest.set(after.organization_id, after);
  for (const upsert of upsertRows(organizationFreezesTable, [...latest.values()].map(freezeRowOf), tables.organization_freezes)) await tx.execute(upsert);
  for (const insert of insertRows(organizationVersionsTable, freezeHistoryRows(events), tables.organization_versions)) await tx.execute(insert);
}

/** One `organization_versions` row per freeze event. */
export function freezeHistoryRows(events: readonly EvolvedOrganizationEvent[]) {
  return events.map(({ stored, after }) => {
    const operation = stored.event.type === 'OrganizationFrozen' ? 'frozen' : 'unfrozen';
    const freeze = after && presentFreeze(after);
    return { ...historyRow(stored, 'orgver_', operation, [{ path: 'freeze', from: null, to: freeze }]), organization: freeze };
  });
}
