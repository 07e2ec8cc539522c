import { decide, DeciderState, EnvironmentCommand, fold } from '../../../src/environments/domain/decider';
import { EnvironmentState } from '../../../src/environments/domain/environment';
import { DomainError, DomainErrorCode } from '../../../src/environments/domain/errors';
import { EnvironmentEvent } from '../../../src/environments/domain/events';
import type { EnvironmentInput } from '../../../src/environments/domain/inputs';

/** given events / when command / then events, for the update rules of the API (docs/api.md). */
const T0 = '2026-05-29T10:00:00.000Z';
const T1 = '2026-05-29T11:00:00.000Z';

function created(input: EnvironmentInput): EnvironmentEvent[] {
  return decide(
    { type: 'CreateEnvironment', data: { environment_id: 'env_1', organization_id: 'org_1', input }, metadata: { now: T0 } },
    null,
  );
}

function given(events: EnvironmentEvent[]): EnvironmentState {
  return fold(events) as EnvironmentState;
}

function update(state: DeciderState, input: EnvironmentInput, expected_version?: number): EnvironmentEvent[] {
  const command: EnvironmentCommand = {
    type: 'UpdateEnvironment',
    data: { environment_id: 'env_1', input, expected_version },
    metadata: { now: T1 },
  };
  return decide(command, state);
}

/** The state after applying an update to a state built from a create input. */
function after(createInput: EnvironmentInput, patch: EnvironmentInput): EnvironmentState {
  const history = created(createInput);
  return given([...history, ...update(given(history), patch)]);
}

function failure(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

const LIMITED = {
  type: 'cloud',
  networking: { type: 'limited', allowed_hosts: ['api.example.com'], allow_mcp_servers: true, allow_package_managers: true },
  packages: { pip: ['pandas'], npm: ['left-pad'] },
};

describe('update merge semantics', () => {
  describe('name', () => {
    it('is preserved when omitted or null', () => {
      expect(after({ name: 'a' }, {}).name).toBe('a');
      expect(after({ name: 'a' }, { name: null }).name).toBe('a');
    });
    it('is replaced (trimmed) when sent', () => {
      expect(after({ name: 'a' }, { name: '  b  ' }).name).toBe('b');
    });
    it('must not become empty', () => {
      const state = given(created({ name: 'a' }));
      expect(failure(() => update(state, { name: '   ' })).message).toMatch(/^name/);
    });
  });

  describe('description', () => {
    it('is preserved when omitted, cleared by null, stored as "" when ""', () => {
      expect(after({ name: 'a', description: 'd' }, {}).description).toBe('d');
      expect(after({ name: 'a', description: 'd' }, { description: null }).description).toBeNull();
      expect(after({ name: 'a', description: 'd' }, { description: '' }).description).toBe('');
    });
  });

  describe('metadata patch', () => {
    const base = { name: 'a', metadata: { keep: '1', drop: '2', blank: '3' } };
    it('deletes keys set to null or "", upserts others, leaves unsent keys alone', () => {
      expect(after(base, { metadata: { drop: null, blank: '', add: 'x', keep: '1' } }).metadata).toEqual({ keep: '1', add: 'x' });
    });
    it('records nothing when deleting a key that does not exist', () => {
      expect(update(given(created(base)), { metadata: { missing: null } })).toEqual([]);
    });
    it('applies the 16-pair limit to the merged result', () => {
      const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v']));
      const state = given(created({ name: 'a', metadata: sixteen }));
      const error = failure(() => update(state, { metadata: { extra: 'v' } }));
      expect(error.code).toBe(DomainErrorCode.InvalidMetadata);
      expect(error.message).toMatch(/at most 16 keys.*got 17/);
      // Replacing one key with another keeps it at 16: allowed.
      expect(after({ name: 'a', metadata: sixteen }, { metadata: { k0: null, extra: 'v' } }).metadata).toHaveProperty('extra', 'v');
    });
  });

  describe('config', () => {
    it('needs config.type whenever config is sent', () => {
      const state = given(created({ name: 'a', config: LIMITED } as EnvironmentInput));
      expect(failure(() => update(state, { config: { packages: { pip: [] } } })).message).toMatch(/config\.type is required/);
    });
    it('refuses a change of config.type with invalid_config_type_change', () => {
      const state = given(created({ name: 'a' }));
      expect(failure(() => update(state, { config: { type: 'self_hosted' } })).code).toBe(DomainErrorCode.InvalidConfigTypeChange);
    });
    it('keeps packages when omitted or null; replaces each sent manager; [] clears', () => {
      const input = { name: 'a', config: LIMITED } as EnvironmentInput;
      const kept = after(input, { config: { type: 'cloud', packages: null } });
      expect(kept.config).toEqual(given(created(input)).config);
      const replaced = after(input, { config: { type: 'cloud', packages: { type: 'packages', pip: ['numpy'], npm: [] } } });
      expect(replaced.config.type === 'cloud' && replaced.config.packages).toEqual({
        type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: ['numpy'],
      });
      const nullManager = after(input, { config: { type: 'cloud', packages: { pip: null } } });
      expect(nullManager.config.type === 'cloud' && nullManager.config.packages.pip).toEqual(['pandas']);
    });
    it('keeps networking when omitted or null, and each omitted or null field of the same type', () => {
      const input = { name: 'a', config: LIMITED } as EnvironmentInput;
      const state = after(input, {
        config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['Other.example.com'], allow_mcp_servers: null } },
      });
      expect(state.config.type === 'cloud' && state.config.networking).toEqual({
        type: 'limited', allowed_hosts: ['other.example.com'], allow_mcp_servers: true, allow_package_managers: true,
      });
      expect(after(input, { config: { type: 'cloud', networking: null } }).config).toEqual(given(created(input)).config);
    });
    it('replaces networking of another type, omitted fields taking their defaults', () => {
      const fromUnrestricted = after({ name: 'a' }, { config: { type: 'cloud', networking: { type: 'limited' } } });
      expect(fromUnrestricted.config.type === 'cloud' && fromUnrestricted.config.networking).toEqual({
        type: 'limited', allowed_hosts: [], allow_mcp_servers: false, allow_package_managers: false,
      });
      const toUnrestricted = after({ name: 'a', config: LIMITED } as EnvironmentInput, {
        config: { type: 'cloud', networking: { type: 'unrestricted' } },
      });
      expect(toUnrestricted.config.type === 'cloud' && toUnrestricted.config.networking).toEqual({ type: 'unrestricted' });
    });
    it('checks packages against limited networking on the merged result', () => {
      const state = given(created({ name: 'a', config: LIMITED } as EnvironmentInput));
      const error = failure(() =>
        update(state, { config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: false } } }),
      );
      expect(error.message).toMatch(/allow_package_managers/);
      // Clearing the lists in the same update makes it valid.
      const ok = update(state, {
        config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: false }, packages: { pip: [], npm: [] } },
      });
      expect(ok).toHaveLength(1);
    });
  });

  it('refuses any update of an archived environment', () => {
    const history = created({ name: 'a' });
    const archived = decide({ type: 'ArchiveEnvironment', data: { environment_id: 'env_1' }, metadata: { now: T1 } }, given(history));
    const state = given([...history, ...archived]);
    expect(failure(() => update(state, { description: 'x' })).code).toBe(DomainErrorCode.EnvironmentArchived);
  });

  it('records nothing for an update that changes nothing, and leaves version and updated_at', () => {
    const input = { name: 'a', description: 'd', metadata: { k: 'v' }, config: LIMITED } as EnvironmentInput;
    const state = given(created(input));
    expect(update(state, input)).toEqual([]);
    expect(update(state, {})).toEqual([]);
    expect(update(state, { name: ' a ', metadata: { k: 'v', gone: null } })).toEqual([]);
  });

  it('records one EnvironmentModified with the changed fields and leaves, version + 1, updated_at = now', () => {
    const history = created({ name: 'a', metadata: { team: 'x' } });
    const events = update(given(history), { description: 'new', metadata: { team: 'ml' } });
    expect(events).toEqual([
      {
        type: 'EnvironmentModified',
        data: {
          environment_id: 'env_1',
          set: { description: 'new', metadata: { team: 'ml' } },
          changes: [
            { path: 'description', from: null, to: 'new' },
            { path: 'metadata.team', from: 'x', to: 'ml' },
          ],
          modified_at: T1,
        },
      },
    ]);
    const state = given([...history, ...events]);
    expect(state.version).toBe(2);
    expect(state.updated_at).toBe(T1);
    expect(state.created_at).toBe(T0);
  });

  it('applies If-Match only at the expected version', () => {
    const state = given(created({ name: 'a' }));
    expect(failure(() => update(state, { description: 'x' }, 2)).code).toBe(DomainErrorCode.VersionMismatch);
    expect(update(state, { description: 'x' }, 1)).toHaveLength(1);
  });
});
