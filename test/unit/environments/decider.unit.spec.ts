import { DeciderState, decide, EnvironmentCommand, evolve, fold } from '../../../src/environments/domain/decider';
import {
  CloudConfig,
  EnvironmentFields,
  EnvironmentState,
  LimitedNetworking,
} from '../../../src/environments/domain/environment';
import { DomainErrorCode } from '../../../src/environments/domain/errors';
import {
  EnvironmentCreated,
  EnvironmentEvent,
  EnvironmentModified,
} from '../../../src/environments/domain/events';
import type { EnvironmentInput } from '../../../src/environments/domain/inputs';
import {
  archiveCmd,
  createCmd,
  deleteCmd,
  domainFailure,
  ID,
  ORG,
  spec,
  T0,
  T1,
  T2,
  T3,
  updateCmd,
} from '../../support/environment-decider';

/*
 * given events / when command / then events (or a DomainError), through the
 * DeciderSpecification of test/support. Every scenario starts from events,
 * never from a hand-made state.
 */

// ---- events ---------------------------------------------------------------

const EMPTY_PACKAGES = { type: 'packages' as const, apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] };

/** An EnvironmentCreated event written out by hand (the given history). */
function createdEvent(fields: Partial<EnvironmentFields> = {}, at = T0): EnvironmentCreated {
  return {
    type: 'EnvironmentCreated',
    data: {
      environment_id: ID,
      organization_id: ORG,
      name: 'env-a',
      description: null,
      config: { type: 'cloud', networking: { type: 'unrestricted' }, packages: { ...EMPTY_PACKAGES } },
      metadata: {},
      scope: 'organization',
      ...fields,
      created_at: at,
    },
  };
}

function limitedConfig(
  networking: Partial<Omit<LimitedNetworking, 'type'>> = {},
  packages: Partial<CloudConfig['packages']> = {},
): CloudConfig {
  return {
    type: 'cloud',
    networking: {
      type: 'limited',
      allowed_hosts: ['api.example.com'],
      allow_mcp_servers: true,
      allow_package_managers: true,
      ...networking,
    },
    packages: { ...EMPTY_PACKAGES, pip: ['pandas'], npm: ['left-pad'], ...packages },
  };
}

function archivedEvent(at = T1): EnvironmentEvent {
  return { type: 'EnvironmentArchived', data: { environment_id: ID, archived_at: at } };
}

function deletedEvent(at = T2): EnvironmentEvent {
  return { type: 'EnvironmentDeleted', data: { environment_id: ID, deleted_at: at } };
}

function cloudOf(state: EnvironmentState): CloudConfig {
  if (state.config.type !== 'cloud') throw new Error('expected a cloud config');
  return state.config;
}

function single(events: EnvironmentEvent[]): EnvironmentModified['data'] {
  expect(events).toHaveLength(1);
  expect(events[0].type).toBe('EnvironmentModified');
  return (events[0] as EnvironmentModified).data;
}

const DEFAULT_CONFIG = { type: 'cloud', networking: { type: 'unrestricted' }, packages: EMPTY_PACKAGES };

// ===========================================================================

describe('CreateEnvironment', () => {
  it('records EnvironmentCreated with every default when only a name is sent', () => {
    spec.given([])
      .when(createCmd({ name: 'python-data-analysis' }))
      .then([
        {
          type: 'EnvironmentCreated',
          data: {
            environment_id: ID,
            organization_id: ORG,
            name: 'python-data-analysis',
            description: null,
            config: DEFAULT_CONFIG as CloudConfig,
            metadata: {},
            scope: 'organization',
            created_at: T0,
          },
        },
      ]);
  });

  it('gives every field sent as null its default', () => {
    const events = spec.given([])
      .when(createCmd({ name: 'a', description: null, metadata: null, config: null, scope: null }))
      .events();
    expect(events).toEqual(spec.given([]).when(createCmd({ name: 'a' })).events());
  });

  it('gives config.networking, config.packages and a package manager sent as null their defaults', () => {
    const config = spec.given([])
      .when(createCmd({ name: 'a', config: { type: 'cloud', networking: null, packages: null } }))
      .state().config;
    expect(config).toEqual(DEFAULT_CONFIG);
    const withManagers = spec.given([])
      .when(createCmd({ name: 'a', config: { type: 'cloud', packages: { type: 'packages', pip: ['numpy'], npm: null } } }))
      .state().config;
    expect(withManagers).toEqual({ ...DEFAULT_CONFIG, packages: { ...EMPTY_PACKAGES, pip: ['numpy'] } });
  });

  it('stores description "" as "" (not null)', () => {
    expect(spec.given([]).when(createCmd({ name: 'a', description: '' })).state().description).toBe('');
  });

  it('trims the name', () => {
    expect(spec.given([]).when(createCmd({ name: '  spaced name \n' })).state().name).toBe('spaced name');
  });

  it.each([
    ['omitted', {}],
    ['null', { name: null }],
    ['blank', { name: '   ' }],
  ])('requires a name (%s)', (_case, input) => {
    spec.given([]).when(createCmd(input as EnvironmentInput)).thenThrows(DomainErrorCode.InvalidRequest, 'name');
  });

  it('defaults the omitted fields of a limited networking object to [], false, false', () => {
    const state = spec.given([]).when(createCmd({ name: 'a', config: { type: 'cloud', networking: { type: 'limited' } } })).state();
    expect(cloudOf(state).networking).toEqual({
      type: 'limited',
      allowed_hosts: [],
      allow_mcp_servers: false,
      allow_package_managers: false,
    });
  });

  it('normalizes allowed_hosts on create (lower-cased, de-duplicated, first seen order)', () => {
    const state = spec.given([])
      .when(
        createCmd({
          name: 'a',
          config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['B.example.com', 'a.example.com', 'b.EXAMPLE.com'] } },
        }),
      )
      .state();
    expect((cloudOf(state).networking as LimitedNetworking).allowed_hosts).toEqual(['b.example.com', 'a.example.com']);
  });

  it('accepts a self_hosted config and stores it as {type: "self_hosted"}', () => {
    expect(spec.given([]).when(createCmd({ name: 'a', config: { type: 'self_hosted' } })).state().config).toEqual({
      type: 'self_hosted',
    });
  });

  it.each(['networking', 'packages'] as const)('rejects config.%s on a self_hosted config', (field) => {
    const config = { type: 'self_hosted', [field]: field === 'networking' ? { type: 'unrestricted' } : { pip: [] } };
    spec.given([])
      .when(createCmd({ name: 'a', config } as EnvironmentInput))
      .thenThrows(DomainErrorCode.InvalidRequest, `config.${field}`);
  });

  it('rejects a config without config.type and an unknown config.type', () => {
    spec.given([]).when(createCmd({ name: 'a', config: { networking: { type: 'unrestricted' } } })).thenThrows(
      DomainErrorCode.InvalidRequest,
      'config.type',
    );
    spec.given([]).when(createCmd({ name: 'a', config: { type: 'docker' } })).thenThrows(DomainErrorCode.InvalidRequest, 'config.type');
  });

  it('rejects scope "account"', () => {
    spec.given([]).when(createCmd({ name: 'a', scope: 'account' })).thenThrows(DomainErrorCode.InvalidRequest, 'scope');
  });

  it('rejects invalid metadata with invalid_metadata', () => {
    const seventeen = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    spec.given([]).when(createCmd({ name: 'a', metadata: seventeen })).thenThrows(DomainErrorCode.InvalidMetadata, 'metadata');
  });

  it('requires allow_package_managers under limited networking when a package list is not empty', () => {
    spec.given([])
      .when(createCmd({ name: 'a', config: { type: 'cloud', networking: { type: 'limited' }, packages: { pip: ['pandas'] } } }))
      .thenThrows(DomainErrorCode.InvalidRequest, 'allow_package_managers');
    const ok = spec.given([])
      .when(
        createCmd({
          name: 'a',
          config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: true }, packages: { pip: ['pandas'] } },
        }),
      )
      .state();
    expect(cloudOf(ok).packages.pip).toEqual(['pandas']);
  });

  it('allows packages under unrestricted networking', () => {
    const state = spec.given([]).when(createCmd({ name: 'a', config: { type: 'cloud', packages: { apt: ['curl'] } } })).state();
    expect(cloudOf(state).packages.apt).toEqual(['curl']);
  });

  it('folds into version 1, not archived, updated_at = created_at', () => {
    const state = spec.given([]).when(createCmd({ name: 'a' }, T0)).state();
    expect(state).toMatchObject({ id: ID, organization_id: ORG, version: 1, archived_at: null, created_at: T0, updated_at: T0 });
  });
});

// ===========================================================================

describe('UpdateEnvironment: not found, archived, If-Match', () => {
  it('fails with environment_not_found when the environment never existed', () => {
    spec.given([]).when(updateCmd({ name: 'b' })).thenThrows(DomainErrorCode.EnvironmentNotFound, ID);
  });

  it('fails with environment_not_found after a delete', () => {
    spec.given([createdEvent(), deletedEvent()]).when(updateCmd({ name: 'b' })).thenThrows(DomainErrorCode.EnvironmentNotFound, ID);
  });

  it('fails with environment_archived on an archived environment (even for a valid change)', () => {
    spec.given([createdEvent(), archivedEvent()])
      .when(updateCmd({ description: 'x' }, { now: T2 }))
      .thenThrows(DomainErrorCode.EnvironmentArchived);
    spec.given([createdEvent(), archivedEvent()])
      .when(updateCmd({ name: 'renamed' }, { now: T2 }))
      .thenThrows(DomainErrorCode.EnvironmentArchived);
  });

  it('fails with version_mismatch when expected_version is not the current version', () => {
    const history = [createdEvent(), ...spec.given([createdEvent()]).when(updateCmd({ description: 'v2' })).events()];
    spec.given(history).when(updateCmd({ description: 'x' }, { expected_version: 1, now: T2 })).thenThrows(DomainErrorCode.VersionMismatch);
    spec.given(history).when(updateCmd({ description: 'x' }, { expected_version: 3, now: T2 })).thenThrows(DomainErrorCode.VersionMismatch);
  });

  it('applies when expected_version equals the current version', () => {
    const history = [createdEvent(), ...spec.given([createdEvent()]).when(updateCmd({ description: 'v2' })).events()];
    const state = spec.given(history).when(updateCmd({ description: 'v3' }, { expected_version: 2, now: T2 })).state();
    expect(state.description).toBe('v3');
    expect(state.version).toBe(3);
  });
});

describe('UpdateEnvironment: the recorded event', () => {
  it('records one EnvironmentModified with only the changed top-level fields, each leaf change and modified_at', () => {
    spec.given([createdEvent({ metadata: { team: 'x', keep: 'k' } })])
      .when(updateCmd({ description: 'new', metadata: { team: 'ml' } }, { now: T1 }))
      .then([
        {
          type: 'EnvironmentModified',
          data: {
            environment_id: ID,
            set: { description: 'new', metadata: { team: 'ml', keep: 'k' } },
            changes: [
              { path: 'description', from: null, to: 'new' },
              { path: 'metadata.team', from: 'x', to: 'ml' },
            ],
            modified_at: T1,
          },
        },
      ]);
  });

  it('bumps version by 1 and sets updated_at, keeping created_at', () => {
    const state = spec.given([createdEvent()]).when(updateCmd({ name: 'b' }, { now: T1 })).state();
    expect(state).toMatchObject({ name: 'b', version: 2, created_at: T0, updated_at: T1 });
  });
});

describe('UpdateEnvironment: no-op', () => {
  const history = [
    createdEvent({
      name: 'a',
      description: 'd',
      metadata: { k: 'v' },
      config: limitedConfig(),
    }),
  ];

  it.each<[string, EnvironmentInput]>([
    ['an empty body', {}],
    ['every field null (except description)', { name: null, metadata: null, config: null, scope: null }],
    ['the same values', { name: 'a', description: 'd', metadata: { k: 'v' }, scope: 'organization' }],
    ['a name equal after trimming', { name: '  a  ' }],
    ['deleting a metadata key that does not exist', { metadata: { missing: null, other: '' } }],
    ['an empty metadata patch', { metadata: {} }],
    ['config with only its type', { config: { type: 'cloud' } }],
    ['config with null networking and packages', { config: { type: 'cloud', networking: null, packages: null } }],
    ['an empty packages object', { config: { type: 'cloud', packages: { type: 'packages' } } }],
    ['packages with every manager null', { config: { type: 'cloud', packages: { pip: null, npm: null, apt: null } } }],
    ['the same package lists', { config: { type: 'cloud', packages: { pip: ['pandas'], npm: ['left-pad'] } } }],
    ['limited networking with every field omitted', { config: { type: 'cloud', networking: { type: 'limited' } } }],
    [
      'limited networking with every field null',
      {
        config: {
          type: 'cloud',
          networking: { type: 'limited', allowed_hosts: null, allow_mcp_servers: null, allow_package_managers: null },
        },
      },
    ],
    [
      'allowed_hosts equal after normalizing',
      { config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['API.Example.com', 'api.example.com'] } } },
    ],
  ])('records nothing for %s, leaving version and updated_at', (_case, input) => {
    spec.given(history).when(updateCmd(input, { now: T2 })).thenNothing();
  });

  it('records nothing for {type: "unrestricted"} on unrestricted networking', () => {
    spec.given([createdEvent()]).when(updateCmd({ config: { type: 'cloud', networking: { type: 'unrestricted' } } })).thenNothing();
  });

  it('records nothing for a same-type self_hosted config', () => {
    spec.given([createdEvent({ config: { type: 'self_hosted' } })]).when(updateCmd({ config: { type: 'self_hosted' } })).thenNothing();
  });

  it('records nothing for description "" when it is already ""', () => {
    spec.given([createdEvent({ description: '' })]).when(updateCmd({ description: '' })).thenNothing();
  });
});

describe('UpdateEnvironment: name', () => {
  it('is preserved when omitted or null', () => {
    expect(spec.given([createdEvent({ name: 'a' })]).when(updateCmd({ description: 'x' })).state().name).toBe('a');
    expect(spec.given([createdEvent({ name: 'a' })]).when(updateCmd({ name: null, description: 'x' })).state().name).toBe('a');
  });

  it('is replaced, trimmed, when sent', () => {
    const events = spec.given([createdEvent({ name: 'a' })]).when(updateCmd({ name: '  b  ' })).events();
    expect(single(events).set).toEqual({ name: 'b' });
    expect(single(events).changes).toEqual([{ path: 'name', from: 'a', to: 'b' }]);
  });

  it('must not be empty or too long', () => {
    spec.given([createdEvent()]).when(updateCmd({ name: '' })).thenThrows(DomainErrorCode.InvalidRequest, 'name');
    spec.given([createdEvent()]).when(updateCmd({ name: ' \t ' })).thenThrows(DomainErrorCode.InvalidRequest, 'name');
    spec.given([createdEvent()]).when(updateCmd({ name: 'x'.repeat(257) })).thenThrows(DomainErrorCode.InvalidRequest, 'name');
  });
});

describe('UpdateEnvironment: description', () => {
  it('is preserved when omitted', () => {
    expect(spec.given([createdEvent({ description: 'd' })]).when(updateCmd({ name: 'b' })).state().description).toBe('d');
  });

  it('is cleared to null by null', () => {
    const events = spec.given([createdEvent({ description: 'd' })]).when(updateCmd({ description: null })).events();
    expect(single(events).set).toEqual({ description: null });
    expect(single(events).changes).toEqual([{ path: 'description', from: 'd', to: null }]);
    expect(fold([createdEvent({ description: 'd' }), ...events])!.description).toBeNull();
  });

  it('is stored as "" when ""', () => {
    const events = spec.given([createdEvent({ description: 'd' })]).when(updateCmd({ description: '' })).events();
    expect(single(events).set).toEqual({ description: '' });
    expect(fold([createdEvent({ description: 'd' }), ...events])!.description).toBe('');
    // "" from null is a change too ("" is not null).
    expect(spec.given([createdEvent()]).when(updateCmd({ description: '' })).state().description).toBe('');
  });

  it('must be at most 1,024 characters', () => {
    expect(spec.given([createdEvent()]).when(updateCmd({ description: 'x'.repeat(1024) })).state().description).toHaveLength(1024);
    spec.given([createdEvent()])
      .when(updateCmd({ description: 'x'.repeat(1025) }))
      .thenThrows(DomainErrorCode.InvalidRequest, 'description');
  });
});

describe('UpdateEnvironment: metadata patch', () => {
  const history = [createdEvent({ metadata: { keep: '1', drop: '2', blank: '3' } })];

  it('deletes a key set to null', () => {
    const events = spec.given(history).when(updateCmd({ metadata: { drop: null } })).events();
    expect(single(events).set).toEqual({ metadata: { keep: '1', blank: '3' } });
    expect(single(events).changes).toEqual([{ path: 'metadata.drop', from: '2', to: null }]);
  });

  it('deletes a key set to ""', () => {
    const state = spec.given(history).when(updateCmd({ metadata: { blank: '' } })).state();
    expect(state.metadata).toEqual({ keep: '1', drop: '2' });
  });

  it('upserts other keys and leaves keys not sent untouched', () => {
    const events = spec.given(history).when(updateCmd({ metadata: { drop: 'changed', added: 'new' } })).events();
    expect(single(events).set).toEqual({ metadata: { keep: '1', drop: 'changed', blank: '3', added: 'new' } });
    expect(single(events).changes).toEqual([
      { path: 'metadata.drop', from: '2', to: 'changed' },
      { path: 'metadata.added', from: null, to: 'new' },
    ]);
  });

  it('changes nothing when deleting a key that does not exist', () => {
    spec.given(history).when(updateCmd({ metadata: { nope: null } })).thenNothing();
    const events = spec.given(history).when(updateCmd({ metadata: { nope: null, keep: 'x' } })).events();
    expect(single(events).changes).toEqual([{ path: 'metadata.keep', from: '1', to: 'x' }]);
  });

  it('is preserved when null', () => {
    expect(spec.given(history).when(updateCmd({ metadata: null, name: 'b' })).state().metadata).toEqual({
      keep: '1',
      drop: '2',
      blank: '3',
    });
  });

  describe('limits apply to the merged result', () => {
    const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v']));
    const full = [createdEvent({ metadata: sixteen })];

    it('a 17th key fails with invalid_metadata', () => {
      spec.given(full).when(updateCmd({ metadata: { k16: 'v' } })).thenThrows(DomainErrorCode.InvalidMetadata, 'metadata');
    });

    it('deleting one key and adding another in the same patch stays at 16 and is allowed', () => {
      const state = spec.given(full).when(updateCmd({ metadata: { k0: null, k16: 'v' } })).state();
      expect(Object.keys(state.metadata)).toHaveLength(16);
      expect(state.metadata).not.toHaveProperty('k0');
      expect(state.metadata).toHaveProperty('k16', 'v');
    });

    it('updating an existing key of a full map is allowed', () => {
      expect(spec.given(full).when(updateCmd({ metadata: { k3: 'w' } })).state().metadata.k3).toBe('w');
    });

    it('key and value lengths and value types fail with invalid_metadata', () => {
      spec.given(history).when(updateCmd({ metadata: { ['k'.repeat(65)]: 'v' } })).thenThrows(DomainErrorCode.InvalidMetadata, 'metadata');
      spec.given(history).when(updateCmd({ metadata: { long: 'v'.repeat(513) } })).thenThrows(DomainErrorCode.InvalidMetadata, 'metadata.long');
      spec.given(history)
        .when(updateCmd({ metadata: { n: 1 } } as unknown as EnvironmentInput))
        .thenThrows(DomainErrorCode.InvalidMetadata, 'metadata.n');
    });
  });
});

describe('UpdateEnvironment: config.type', () => {
  it('is required whenever config is sent', () => {
    const when = spec.given([createdEvent({ config: limitedConfig() })]).when(updateCmd({ config: { packages: { pip: [] } } }));
    const thrown = when.thenThrows(undefined, 'config.type');
    // The API contract lists one error code for the config.type row; "missing" is reported as a 400 either way.
    expect([DomainErrorCode.InvalidRequest, DomainErrorCode.InvalidConfigTypeChange]).toContain(thrown.code);
  });

  it('cannot change from cloud to self_hosted', () => {
    spec.given([createdEvent()])
      .when(updateCmd({ config: { type: 'self_hosted' } }))
      .thenThrows(DomainErrorCode.InvalidConfigTypeChange, 'config.type');
  });

  it('cannot change from self_hosted to cloud', () => {
    spec.given([createdEvent({ config: { type: 'self_hosted' } })])
      .when(updateCmd({ config: { type: 'cloud', packages: { pip: ['x'] } } }))
      .thenThrows(DomainErrorCode.InvalidConfigTypeChange, 'config.type');
  });

  it('config null preserves the config', () => {
    expect(spec.given([createdEvent({ config: limitedConfig() })]).when(updateCmd({ config: null, name: 'b' })).state().config).toEqual(
      limitedConfig(),
    );
  });

  it('a self_hosted config still rejects networking and packages on update', () => {
    const history = [createdEvent({ config: { type: 'self_hosted' } })];
    spec.given(history)
      .when(updateCmd({ config: { type: 'self_hosted', networking: { type: 'unrestricted' } } }))
      .thenThrows(DomainErrorCode.InvalidRequest, 'config.networking');
    spec.given(history)
      .when(updateCmd({ config: { type: 'self_hosted', packages: { pip: [] } } }))
      .thenThrows(DomainErrorCode.InvalidRequest, 'config.packages');
  });
});

describe('UpdateEnvironment: config.packages', () => {
  const history = [createdEvent({ config: limitedConfig() })];

  it('is unchanged when omitted (networking only sent)', () => {
    const state = spec.given(history)
      .when(updateCmd({ config: { type: 'cloud', networking: { type: 'limited', allow_mcp_servers: false } } }))
      .state();
    expect(cloudOf(state).packages).toEqual(limitedConfig().packages);
    expect((cloudOf(state).networking as LimitedNetworking).allow_mcp_servers).toBe(false);
  });

  it('replaces each manager sent as an array, leaves omitted and null managers, [] clears', () => {
    const events = spec.given(history)
      .when(updateCmd({ config: { type: 'cloud', packages: { type: 'packages', pip: ['numpy', 'scipy'], npm: [], apt: null } } }))
      .events();
    const data = single(events);
    expect(data.changes).toEqual([
      { path: 'config.packages.npm', from: ['left-pad'], to: [] },
      { path: 'config.packages.pip', from: ['pandas'], to: ['numpy', 'scipy'] },
    ]);
    const state = fold([...history, ...events])!;
    expect(cloudOf(state)).toEqual({
      ...limitedConfig(),
      packages: { ...EMPTY_PACKAGES, pip: ['numpy', 'scipy'], npm: [] },
    });
  });

  it('the API reference example: sending only packages.pip leaves networking and the other managers unchanged', () => {
    const seeded = [
      createdEvent({
        config: {
          type: 'cloud',
          networking: { type: 'limited', allowed_hosts: ['api.example.com'], allow_mcp_servers: false, allow_package_managers: true },
          packages: { ...EMPTY_PACKAGES, pip: ['pandas'] },
        },
      }),
    ];
    const state = spec.given(seeded)
      .when(
        updateCmd({ config: { type: 'cloud', packages: { type: 'packages', pip: ['pandas', 'numpy', 'scikit-learn'] } } }),
      )
      .state();
    expect(state.config).toEqual({
      type: 'cloud',
      networking: { type: 'limited', allowed_hosts: ['api.example.com'], allow_mcp_servers: false, allow_package_managers: true },
      packages: { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: ['pandas', 'numpy', 'scikit-learn'] },
    });
  });

  it('validates the entries that are sent', () => {
    spec.given(history)
      .when(updateCmd({ config: { type: 'cloud', packages: { pip: ['has space'] } } }))
      .thenThrows(DomainErrorCode.InvalidRequest, 'config.packages.pip');
    spec.given(history)
      .when(updateCmd({ config: { type: 'cloud', packages: { type: 'other' } } }))
      .thenThrows(DomainErrorCode.InvalidRequest, 'config.packages.type');
  });
});

describe('UpdateEnvironment: config.networking', () => {
  const limitedHistory = [createdEvent({ config: limitedConfig() })];

  it('is unchanged when omitted or null', () => {
    const omitted = spec.given(limitedHistory).when(updateCmd({ config: { type: 'cloud', packages: { gem: ['rails'] } } })).state();
    expect(cloudOf(omitted).networking).toEqual(limitedConfig().networking);
    const nulled = spec.given(limitedHistory)
      .when(updateCmd({ config: { type: 'cloud', networking: null, packages: { gem: ['rails'] } } }))
      .state();
    expect(cloudOf(nulled).networking).toEqual(limitedConfig().networking);
  });

  it('same type (limited): each omitted or null field is preserved, each sent one replaced', () => {
    const events = spec.given(limitedHistory)
      .when(
        updateCmd({
          config: {
            type: 'cloud',
            networking: { type: 'limited', allowed_hosts: ['Other.Example.com', '10.0.0.1'], allow_mcp_servers: null },
          },
        }),
      )
      .events();
    expect(single(events).changes).toEqual([
      { path: 'config.networking.allowed_hosts', from: ['api.example.com'], to: ['other.example.com', '10.0.0.1'] },
    ]);
    const state = fold([...limitedHistory, ...events])!;
    expect(cloudOf(state).networking).toEqual({
      type: 'limited',
      allowed_hosts: ['other.example.com', '10.0.0.1'],
      allow_mcp_servers: true,
      allow_package_managers: true,
    });
  });

  it('same type (limited): booleans sent are replaced; allowed_hosts [] clears', () => {
    const state = spec.given(limitedHistory)
      .when(updateCmd({ config: { type: 'cloud', networking: { type: 'limited', allow_mcp_servers: false, allowed_hosts: [] } } }))
      .state();
    expect(cloudOf(state).networking).toEqual({
      type: 'limited',
      allowed_hosts: [],
      allow_mcp_servers: false,
      allow_package_managers: true,
    });
  });

  it('different type (unrestricted -> limited): replaced, omitted fields taking [], false, false', () => {
    const events = spec.given([createdEvent()])
      .when(updateCmd({ config: { type: 'cloud', networking: { type: 'limited', allow_mcp_servers: true } } }))
      .events();
    const limited = { type: 'limited', allowed_hosts: [], allow_mcp_servers: true, allow_package_managers: false };
    // A networking type switch is reported as one config.networking entry.
    expect(single(events).changes).toEqual([{ path: 'config.networking', from: { type: 'unrestricted' }, to: limited }]);
    expect(cloudOf(fold([createdEvent(), ...events])!).networking).toEqual(limited);
  });

  it('different type (unrestricted -> limited) with every field null takes the defaults', () => {
    const state = spec.given([createdEvent()])
      .when(
        updateCmd({
          config: {
            type: 'cloud',
            networking: { type: 'limited', allowed_hosts: null, allow_mcp_servers: null, allow_package_managers: null },
          },
        }),
      )
      .state();
    expect(cloudOf(state).networking).toEqual({
      type: 'limited',
      allowed_hosts: [],
      allow_mcp_servers: false,
      allow_package_managers: false,
    });
  });

  it('different type (limited -> unrestricted): replaced by {type: "unrestricted"}', () => {
    const events = spec.given(limitedHistory)
      .when(updateCmd({ config: { type: 'cloud', networking: { type: 'unrestricted' } } }))
      .events();
    expect(single(events).changes).toEqual([
      { path: 'config.networking', from: limitedConfig().networking, to: { type: 'unrestricted' } },
    ]);
    const state = fold([...limitedHistory, ...events])!;
    expect(cloudOf(state)).toEqual({ ...limitedConfig(), networking: { type: 'unrestricted' } });
  });

  it('a limited-only field is rejected under unrestricted networking', () => {
    spec.given(limitedHistory)
      .when(updateCmd({ config: { type: 'cloud', networking: { type: 'unrestricted', allowed_hosts: ['a.com'] } } }))
      .thenThrows(DomainErrorCode.InvalidRequest, 'config.networking.allowed_hosts');
  });

  it('rejects an unknown networking type and an invalid host', () => {
    spec.given(limitedHistory)
      .when(updateCmd({ config: { type: 'cloud', networking: { type: 'open' } } }))
      .thenThrows(DomainErrorCode.InvalidRequest, 'config.networking.type');
    spec.given(limitedHistory)
      .when(updateCmd({ config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['https://a.com'] } } }))
      .thenThrows(DomainErrorCode.InvalidRequest, 'config.networking.allowed_hosts');
  });
});

describe('UpdateEnvironment: packages vs networking, on the merged result', () => {
  it('turning allow_package_managers off while package lists are stored fails', () => {
    spec.given([createdEvent({ config: limitedConfig() })])
      .when(updateCmd({ config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: false } } }))
      .thenThrows(DomainErrorCode.InvalidRequest, 'allow_package_managers');
  });

  it('turning it off and clearing every list in the same update is allowed', () => {
    const state = spec.given([createdEvent({ config: limitedConfig() })])
      .when(
        updateCmd({
          config: {
            type: 'cloud',
            networking: { type: 'limited', allow_package_managers: false },
            packages: { pip: [], npm: [] },
          },
        }),
      )
      .state();
    expect(cloudOf(state)).toEqual(limitedConfig({ allow_package_managers: false }, { pip: [], npm: [] }));
  });

  it('adding a package under stored limited networking without allow_package_managers fails', () => {
    const history = [createdEvent({ config: limitedConfig({ allow_package_managers: false }, { pip: [], npm: [] }) })];
    spec.given(history)
      .when(updateCmd({ config: { type: 'cloud', packages: { cargo: ['serde'] } } }))
      .thenThrows(DomainErrorCode.InvalidRequest, 'allow_package_managers');
    // Sending both in one update satisfies the rule.
    const state = spec.given(history)
      .when(
        updateCmd({
          config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: true }, packages: { cargo: ['serde'] } },
        }),
      )
      .state();
    expect(cloudOf(state).packages.cargo).toEqual(['serde']);
  });

  it('switching unrestricted -> limited with stored packages: the defaulted allow_package_managers=false fails', () => {
    const history = [createdEvent({ config: { ...DEFAULT_CONFIG, packages: { ...EMPTY_PACKAGES, go: ['golang.org/x/tools'] } } as CloudConfig })];
    spec.given(history)
      .when(updateCmd({ config: { type: 'cloud', networking: { type: 'limited' } } }))
      .thenThrows(DomainErrorCode.InvalidRequest, 'allow_package_managers');
    const ok = spec.given(history)
      .when(updateCmd({ config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: true } } }))
      .state();
    expect(cloudOf(ok).networking.type).toBe('limited');
  });

  it('switching limited -> unrestricted lifts the rule', () => {
    const history = [createdEvent({ config: limitedConfig({ allow_package_managers: false }, { pip: [], npm: [] }) })];
    const state = spec.given(history)
      .when(updateCmd({ config: { type: 'cloud', networking: { type: 'unrestricted' }, packages: { pip: ['x'] } } }))
      .state();
    expect(cloudOf(state)).toEqual({ type: 'cloud', networking: { type: 'unrestricted' }, packages: { ...EMPTY_PACKAGES, pip: ['x'] } });
  });
});

describe('UpdateEnvironment: scope', () => {
  it('is preserved when omitted or null and only "organization" is accepted', () => {
    spec.given([createdEvent()]).when(updateCmd({ scope: null })).thenNothing();
    spec.given([createdEvent()]).when(updateCmd({ scope: 'organization' })).thenNothing();
    spec.given([createdEvent()]).when(updateCmd({ scope: 'account' })).thenThrows(DomainErrorCode.InvalidRequest, 'scope');
  });
});

// ===========================================================================

describe('ArchiveEnvironment', () => {
  it('records EnvironmentArchived at now', () => {
    spec.given([createdEvent()])
      .when(archiveCmd(T1))
      .then([{ type: 'EnvironmentArchived', data: { environment_id: ID, archived_at: T1 } }]);
  });

  it('folds into archived_at = updated_at = now, version + 1, name kept', () => {
    const state = spec.given([createdEvent({ name: 'keep-me' })]).when(archiveCmd(T1)).state();
    expect(state).toMatchObject({ name: 'keep-me', archived_at: T1, updated_at: T1, created_at: T0, version: 2 });
  });

  it('records nothing for an archived environment', () => {
    spec.given([createdEvent(), archivedEvent(T1)]).when(archiveCmd(T2)).thenNothing();
  });

  it('fails with environment_not_found when there is no environment', () => {
    spec.given([]).when(archiveCmd()).thenThrows(DomainErrorCode.EnvironmentNotFound, ID);
    spec.given([createdEvent(), deletedEvent()]).when(archiveCmd(T3)).thenThrows(DomainErrorCode.EnvironmentNotFound, ID);
  });
});

describe('DeleteEnvironment', () => {
  it('records EnvironmentDeleted at now', () => {
    spec.given([createdEvent()])
      .when(deleteCmd(T1))
      .then([{ type: 'EnvironmentDeleted', data: { environment_id: ID, deleted_at: T1 } }]);
  });

  it('deletes an archived environment too', () => {
    spec.given([createdEvent(), archivedEvent(T1)])
      .when(deleteCmd(T2))
      .then([{ type: 'EnvironmentDeleted', data: { environment_id: ID, deleted_at: T2 } }]);
  });

  it('folds into null (no environment)', () => {
    const events = spec.given([createdEvent()]).when(deleteCmd(T1)).events();
    expect(fold([createdEvent(), ...events])).toBeNull();
    expect(evolve(fold([createdEvent()]), events[0])).toBeNull();
  });

  it('fails with environment_not_found when there is no environment (never created, or already deleted)', () => {
    spec.given([]).when(deleteCmd()).thenThrows(DomainErrorCode.EnvironmentNotFound, ID);
    spec.given([createdEvent(), deletedEvent()]).when(deleteCmd(T3)).thenThrows(DomainErrorCode.EnvironmentNotFound, ID);
  });
});

// ===========================================================================

describe('evolve', () => {
  it('increments version by exactly 1 per event and moves updated_at to each event time', () => {
    let state: DeciderState = null;
    const seen: Array<[number, string]> = [];
    const apply = (command: EnvironmentCommand) => {
      for (const event of decide(command, state)) {
        state = evolve(state, event);
        seen.push([state!.version, state!.updated_at]);
      }
    };
    apply(createCmd({ name: 'a' }, T0));
    apply(updateCmd({ description: 'x' }, { now: T1 }));
    apply(updateCmd({ description: 'x' }, { now: '2026-05-29T11:30:00.000Z' })); // no-op: no event
    apply(updateCmd({ metadata: { k: 'v' }, name: 'b' }, { now: T2 }));
    apply(archiveCmd(T3));
    apply(archiveCmd('2026-05-29T14:00:00.000Z')); // no-op: no event
    expect(seen).toEqual([
      [1, T0],
      [2, T1],
      [3, T2],
      [4, T3],
    ]);
    expect(state).toMatchObject({ created_at: T0, name: 'b', description: 'x', metadata: { k: 'v' }, archived_at: T3 });
  });

  it('applies only the fields in EnvironmentModified.set', () => {
    const before = fold([createdEvent({ name: 'a', description: 'd', metadata: { k: 'v' } })])!;
    const after = evolve(before, {
      type: 'EnvironmentModified',
      data: { environment_id: ID, set: { name: 'b' }, changes: [{ path: 'name', from: 'a', to: 'b' }], modified_at: T1 },
    })!;
    expect(after).toEqual({ ...before, name: 'b', version: 2, updated_at: T1 });
  });

  it('an update or archive event without an environment is an environment_not_found error', () => {
    const error = domainFailure(() => evolve(null, archivedEvent()));
    expect(error.code).toBe(DomainErrorCode.EnvironmentNotFound);
  });
});
