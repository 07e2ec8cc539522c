import type { ProjectionFamily } from '../../event-store/projection-family';
import { evolveFreeze, FreezeState, ORGANIZATION_EVENT_TYPES, OrganizationEvent, unfrozen } from '../domain/freeze';
import { organizationFreezesTable, organizationVersionsTable } from '../tables';
import { freezeHistoryRows, freezeRowOf, projectFreezeEvents } from './freeze.projection';
import { findFreeze } from './freeze.read-model';

/** Organizations' freezes and their history as one family of the log's projections. */
export const freezeFamily: ProjectionFamily<FreezeState, OrganizationEvent> = {
  name: 'organization_freezes',
  readModels: {
    organization_freezes: { table: organizationFreezesTable, scratch: 'rebuild_organization_freezes' },
    organization_versions: { table: organizationVersionsTable, scratch: 'rebuild_organization_versions', insertOnly: true },
  },
  eventTypes: ORGANIZATION_EVENT_TYPES,
  idOf(event) {
    const id = event.data.organization_id;
    if (typeof id !== 'string') throw new Error('it names no organization');
    return id;
  },
  // An organization's stream has no creation event: its first freeze is version 1 of a never-frozen state.
  starts: () => false,
  load: (tx, id, tables) => findFreeze(tx, id, tables.organization_freezes),
  evolve: (state, event) => evolveFreeze(state ?? unfrozen(event.data.organization_id), event),
  versionOf: (state) => state.version,
  project: (tx, evolved, tables) => projectFreezeEvents(tx, evolved, tables),
  stateRow: freezeRowOf,
  historyRows: freezeHistoryRows,
};
