import { EnvironmentState } from '../../../src/environments/domain/environment';
import { DomainErrorCode } from '../../../src/environments/domain/errors';
import { EnvironmentEvent } from '../../../src/environments/domain/events';
import type { EnvironmentInput } from '../../../src/environments/domain/inputs';
import { archiveCmd, createCmd, ID, spec, T0, T1, updateCmd } from '../../support/environment-decider';

/** given events / when command / then events, for the update rules of the API (docs/api.md). */

/** The events of creating an environment from `input`. */
const created = (input: EnvironmentInput): EnvironmentEvent[] => spec.given([]).when(createCmd(input)).events();

/** The state an environment created from `input` starts with. */
const stateOf = (input: EnvironmentInput): EnvironmentState => spec.given(created(input)).state as EnvironmentState;

/** The state after an update of an environment created from `createInput`. */
const after = (createInput: EnvironmentInput, patch: EnvironmentInput): EnvironmentState =>
  spec.given(created(createInput)).when(updateCmd(patch)).state();

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
      expect(spec.given(created({ name: 'a' })).when(updateCmd({ name: '   ' })).thenThrows().message).toMatch(/^name/);
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
      spec.given(created(base)).when(updateCmd({ metadata: { missing: null } })).thenNothing();
    });
    it('applies the 16-pair limit to the merged result', () => {
      const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v']));
      const error = spec
        .given(created({ name: 'a', metadata: sixteen }))
        .when(updateCmd({ metadata: { extra: 'v' } }))
        .thenThrows(DomainErrorCode.InvalidMetadata);
      expect(error.message).toMatch(/at most 16 keys.*got 17/);
      // Replacing one key with another keeps it at 16: allowed.
      expect(after({ name: 'a', metadata: sixteen }, { metadata: { k0: null, extra: 'v' } }).metadata).toHaveProperty('extra', 'v');
    });
  });

  describe('config', () => {
    it('needs config.type whenever config is sent', () => {
      const when = spec.given(created({ name: 'a', config: LIMITED } as EnvironmentInput)).when(updateCmd({ config: { packages: { pip: [] } } }));
      expect(when.thenThrows().message).toMatch(/config\.type is required/);
    });
    it('refuses a change of config.type with invalid_config_type_change', () => {
      spec.given(created({ name: 'a' })).when(updateCmd({ config: { type: 'self_hosted' } })).thenThrows(DomainErrorCode.InvalidConfigTypeChange);
    });
    it('keeps packages when omitted or null; replaces each sent manager; [] clears', () => {
      const input = { name: 'a', config: LIMITED } as EnvironmentInput;
      const kept = after(input, { config: { type: 'cloud', packages: null } });
      expect(kept.config).toEqual(stateOf(input).config);
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
      expect(after(input, { config: { type: 'cloud', networking: null } }).config).toEqual(stateOf(input).config);
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
      const given = spec.given(created({ name: 'a', config: LIMITED } as EnvironmentInput));
      const error = given
        .when(updateCmd({ config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: false } } }))
        .thenThrows();
      expect(error.message).toMatch(/allow_package_managers/);
      // Clearing the lists in the same update makes it valid.
      const ok = given
        .when(updateCmd({
          config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: false }, packages: { pip: [], npm: [] } },
        }))
        .events();
      expect(ok).toHaveLength(1);
    });
  });

  it('refuses any update of an archived environment', () => {
    const history = created({ name: 'a' });
    const archived = spec.given(history).when(archiveCmd(T1)).events();
    spec.given([...history, ...archived]).when(updateCmd({ description: 'x' })).thenThrows(DomainErrorCode.EnvironmentArchived);
  });

  it('records nothing for an update that changes nothing, and leaves version and updated_at', () => {
    const input = { name: 'a', description: 'd', metadata: { k: 'v' }, config: LIMITED } as EnvironmentInput;
    const given = spec.given(created(input));
    given.when(updateCmd(input)).then([]);
    given.when(updateCmd({})).then([]);
    given.when(updateCmd({ name: ' a ', metadata: { k: 'v', gone: null } })).then([]);
  });

  it('records one EnvironmentModified with the changed fields and leaves, version + 1, updated_at = now', () => {
    const history = created({ name: 'a', metadata: { team: 'x' } });
    const when = spec.given(history).when(updateCmd({ description: 'new', metadata: { team: 'ml' } }));
    when.then([
      {
        type: 'EnvironmentModified',
        data: {
          environment_id: ID,
          set: { description: 'new', metadata: { team: 'ml' } },
          changes: [
            { path: 'description', from: null, to: 'new' },
            { path: 'metadata.team', from: 'x', to: 'ml' },
          ],
          modified_at: T1,
        },
      },
    ]);
    const state = when.state();
    expect(state.version).toBe(2);
    expect(state.updated_at).toBe(T1);
    expect(state.created_at).toBe(T0);
  });

  it('applies If-Match only at the expected version', () => {
    const given = spec.given(created({ name: 'a' }));
    given.when(updateCmd({ description: 'x' }, { expected_version: 2 })).thenThrows(DomainErrorCode.VersionMismatch);
    expect(given.when(updateCmd({ description: 'x' }, { expected_version: 1 })).events()).toHaveLength(1);
  });
});
