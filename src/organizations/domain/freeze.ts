/**
 * An organization's change freeze: while frozen, environment creates, or
 * updates (update, archive, delete), or both, are refused; reads continue.
 * An operator sets it during an audit or an incident, with a reason.
 */
export interface FreezeState {
  organization_id: string;
  creates: boolean;
  updates: boolean;
  reason: string | null;
  frozen_at: string | null;
  version: number;
}

export type OrganizationFrozen = {
  type: 'OrganizationFrozen';
  data: { organization_id: string; creates: boolean; updates: boolean; reason: string; frozen_at: string };
};
export type OrganizationUnfrozen = { type: 'OrganizationUnfrozen'; data: { organization_id: string; unfrozen_at: string } };
export type OrganizationEvent = OrganizationFrozen | OrganizationUnfrozen;
export const ORGANIZATION_EVENT_TYPES: readonly OrganizationEvent['type'][] = ['OrganizationFrozen', 'OrganizationUnfrozen'];

export type FreezeOrganization = {
  type: 'FreezeOrganization';
  data: { organization_id: string; creates: boolean; updates: boolean; reason: string };
  metadata: { now: string };
};
export type UnfreezeOrganization = { type: 'UnfreezeOrganization'; data: { organization_id: string }; metadata: { now: string } };
export type OrganizationCommand = FreezeOrganization | UnfreezeOrganization;

export const MAX_FREEZE_REASON_LENGTH = 1024;

export class FreezeError extends Error {}

export function organizationStreamId(organizationId: string): string {
  return `organization-${organizationId}`;
}

export function unfrozen(organizationId: string): FreezeState {
  return { organization_id: organizationId, creates: false, updates: false, reason: null, frozen_at: null, version: 0 };
}

export function decideFreeze(command: OrganizationCommand, state: FreezeState): OrganizationEvent[] {
  switch (command.type) {
    case 'FreezeOrganization': {
      const { creates, updates } = command.data;
      const reason = command.data.reason.trim();
      if (!creates && !updates) throw new FreezeError('a freeze must hold creates, updates or both');
      if (reason === '' || reason.length > MAX_FREEZE_REASON_LENGTH) {
        throw new FreezeError(`a freeze needs a reason of 1-${MAX_FREEZE_REASON_LENGTH} characters`);
      }
      if (state.creates === creates && state.updates === updates && state.reason === reason) return [];
      return [{ type: 'OrganizationFrozen', data: { ...command.data, reason, frozen_at: command.metadata.now } }];
    }
    case 'UnfreezeOrganization':
      if (!state.creates && !state.updates) return [];
      return [{ type: 'OrganizationUnfrozen', data: { organization_id: command.data.organization_id, unfrozen_at: command.metadata.now } }];
    default: {
      const unknownCommand: never = command;
      throw new Error(`Unhandled command ${JSON.stringify(unknownCommand)}`);
    }
  }
}

export function evolveFreeze(state: FreezeState, event: OrganizationEvent): FreezeState {
  switch (event.type) {
    case 'OrganizationFrozen': {
      const { creates, updates, reason, frozen_at } = event.data;
      return { ...state, creates, updates, reason, frozen_at, version: state.version + 1 };
    }
    case 'OrganizationUnfrozen':
      return { ...state, creates: false, updates: false, reason: null, frozen_at: null, version: state.version + 1 };
    default: {
      const unknownEvent: never = event;
      throw new Error(`Unhandled event ${JSON.stringify(unknownEvent)}`);
    }
  }
}
