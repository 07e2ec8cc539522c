import {
  decideFreeze,
  evolveFreeze,
  FreezeError,
  OrganizationCommand,
  OrganizationEvent,
  unfrozen,
} from '../../../src/organizations/domain/freeze';

const NOW = '2026-06-01T10:00:00.000Z';
const given = (events: OrganizationEvent[]) => events.reduce(evolveFreeze, unfrozen('org_1'));
const freeze = (creates: boolean, updates: boolean, reason = 'quarterly audit'): OrganizationCommand => ({
  type: 'FreezeOrganization',
  data: { organization_id: 'org_1', creates, updates, reason },
  metadata: { now: NOW },
});
const unfreeze: OrganizationCommand = { type: 'UnfreezeOrganization', data: { organization_id: 'org_1' }, metadata: { now: NOW } };

describe('organization freeze decider', () => {
  it('freezes creates, updates or both, with a trimmed reason', () => {
    const events = decideFreeze(freeze(true, false, '  audit  '), given([]));
    expect(events).toEqual([
      { type: 'OrganizationFrozen', data: { organization_id: 'org_1', creates: true, updates: false, reason: 'audit', frozen_at: NOW } },
    ]);
    expect(given(events)).toMatchObject({ creates: true, updates: false, reason: 'audit', version: 1 });
  });

  it('refuses a freeze of nothing and a freeze without a reason', () => {
    expect(() => decideFreeze(freeze(false, false), given([]))).toThrow(FreezeError);
    expect(() => decideFreeze(freeze(true, true, ' '), given([]))).toThrow(FreezeError);
  });

  it('records nothing for the same freeze twice, and a change of what is frozen', () => {
    const first = decideFreeze(freeze(true, true), given([]));
    expect(decideFreeze(freeze(true, true), given(first))).toEqual([]);
    expect(decideFreeze(freeze(false, true), given(first))).toHaveLength(1);
  });

  it('unfreezes a frozen organization and records nothing for one that is not frozen', () => {
    expect(decideFreeze(unfreeze, given([]))).toEqual([]);
    const frozen = decideFreeze(freeze(true, true), given([]));
    const events = decideFreeze(unfreeze, given(frozen));
    expect(events).toEqual([{ type: 'OrganizationUnfrozen', data: { organization_id: 'org_1', unfrozen_at: NOW } }]);
    expect(given([...frozen, ...events])).toMatchObject({ creates: false, updates: false, reason: null, version: 2 });
  });
});
