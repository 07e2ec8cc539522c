import { diffFields, FieldChange, initialChanges } from '../../../src/environments/domain/changes';
import { CloudConfig, EnvironmentFields, LimitedNetworking, Networking, Packages } from '../../../src/environments/domain/environment';

/** The `changes` of the audit history: one entry per changed leaf. */

const EMPTY_PACKAGES: Packages = { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] };

function fields(overrides: Partial<EnvironmentFields> = {}): EnvironmentFields {
  return {
    name: 'env-a',
    description: null,
    config: { type: 'cloud', networking: { type: 'unrestricted' }, packages: { ...EMPTY_PACKAGES } },
    metadata: {},
    scope: 'organization',
    ...overrides,
  };
}

function limited(overrides: Partial<LimitedNetworking> = {}): LimitedNetworking {
  return { type: 'limited', allowed_hosts: ['api.example.com'], allow_mcp_servers: false, allow_package_managers: true, ...overrides };
}

function cloud(networking: Networking, packages: Partial<Packages> = {}): CloudConfig {
  return { type: 'cloud', networking, packages: { ...EMPTY_PACKAGES, ...packages } };
}

/** Invariants of every change list: each path once, from never equal to to. */
function expectWellFormed(changes: FieldChange[]): void {
  const paths = changes.map((c) => c.path);
  expect(new Set(paths).size).toBe(paths.length);
  for (const change of changes) {
    expect(change.from).not.toEqual(change.to);
    expect(change.from).not.toBeUndefined();
    expect(change.to).not.toBeUndefined();
  }
}

describe('diffFields', () => {
  it('is empty for equal fields (including equal but distinct arrays and objects)', () => {
    const a = fields({ metadata: { k: 'v' }, config: cloud(limited(), { pip: ['pandas'] }) });
    const b = fields({ metadata: { k: 'v' }, config: cloud(limited(), { pip: ['pandas'] }) });
    expect(diffFields(a, b)).toEqual([]);
  });

  it('reports a scalar change', () => {
    expect(diffFields(fields({ name: 'a' }), fields({ name: 'b' }))).toEqual([{ path: 'name', from: 'a', to: 'b' }]);
  });

  it('reports null to a value and a value to null', () => {
    expect(diffFields(fields({ description: null }), fields({ description: 'd' }))).toEqual([
      { path: 'description', from: null, to: 'd' },
    ]);
    expect(diffFields(fields({ description: 'd' }), fields({ description: null }))).toEqual([
      { path: 'description', from: 'd', to: null },
    ]);
  });

  it('distinguishes "" from null', () => {
    expect(diffFields(fields({ description: null }), fields({ description: '' }))).toEqual([
      { path: 'description', from: null, to: '' },
    ]);
  });

  it('reports a whole array as one leaf', () => {
    const before = fields({ config: cloud({ type: 'unrestricted' }, { pip: ['pandas'] }) });
    const after = fields({ config: cloud({ type: 'unrestricted' }, { pip: ['pandas', 'numpy'] }) });
    expect(diffFields(before, after)).toEqual([{ path: 'config.packages.pip', from: ['pandas'], to: ['pandas', 'numpy'] }]);
  });

  it('treats a reordered array as a change', () => {
    const before = fields({ config: cloud({ type: 'unrestricted' }, { npm: ['a', 'b'] }) });
    const after = fields({ config: cloud({ type: 'unrestricted' }, { npm: ['b', 'a'] }) });
    expect(diffFields(before, after)).toEqual([{ path: 'config.packages.npm', from: ['a', 'b'], to: ['b', 'a'] }]);
  });

  it('reports a cleared list as the array to []', () => {
    const before = fields({ config: cloud({ type: 'unrestricted' }, { apt: ['curl'] }) });
    expect(diffFields(before, fields())).toEqual([{ path: 'config.packages.apt', from: ['curl'], to: [] }]);
  });

  it('reports the nested leaves of the same networking type', () => {
    const before = fields({ config: cloud(limited()) });
    const after = fields({ config: cloud(limited({ allowed_hosts: ['a.com', 'b.com'], allow_mcp_servers: true })) });
    expect(diffFields(before, after)).toEqual([
      { path: 'config.networking.allowed_hosts', from: ['api.example.com'], to: ['a.com', 'b.com'] },
      { path: 'config.networking.allow_mcp_servers', from: false, to: true },
    ]);
  });

  it('reports a networking type switch as one config.networking entry (both directions)', () => {
    const unrestricted = fields();
    const limitedFields = fields({ config: cloud(limited()) });
    expect(diffFields(unrestricted, limitedFields)).toEqual([
      { path: 'config.networking', from: { type: 'unrestricted' }, to: limited() },
    ]);
    expect(diffFields(limitedFields, unrestricted)).toEqual([
      { path: 'config.networking', from: limited(), to: { type: 'unrestricted' } },
    ]);
  });

  it('reports a networking switch together with other leaves, with no config.networking.* entries', () => {
    const before = fields({ name: 'a' });
    const after = fields({ name: 'b', config: cloud(limited(), { pip: ['x'] }) });
    const changes = diffFields(before, after);
    expect(changes).toEqual(
      expect.arrayContaining([
        { path: 'name', from: 'a', to: 'b' },
        { path: 'config.networking', from: { type: 'unrestricted' }, to: limited() },
        { path: 'config.packages.pip', from: [], to: ['x'] },
      ]),
    );
    expect(changes).toHaveLength(3);
    expect(changes.some((c) => c.path.startsWith('config.networking.'))).toBe(false);
  });

  it('reports a metadata key added (from null), changed and removed (to null), and leaves others out', () => {
    const before = fields({ metadata: { same: 's', changed: 'old', removed: 'gone' } });
    const after = fields({ metadata: { same: 's', changed: 'new', added: 'ml' } });
    const changes = diffFields(before, after);
    expect(changes).toEqual(
      expect.arrayContaining([
        { path: 'metadata.changed', from: 'old', to: 'new' },
        { path: 'metadata.removed', from: 'gone', to: null },
        { path: 'metadata.added', from: null, to: 'ml' },
      ]),
    );
    expect(changes).toHaveLength(3);
  });

  it('reports a change of config.type', () => {
    const changes = diffFields(fields(), fields({ config: { type: 'self_hosted' } }));
    expect(changes).toContainEqual({ path: 'config.type', from: 'cloud', to: 'self_hosted' });
    expectWellFormed(changes);
  });

  it('never reports from equal to to, and lists each path once', () => {
    const variants: EnvironmentFields[] = [
      fields(),
      fields({ name: 'b', description: '' }),
      fields({ description: 'd', metadata: { a: '1', b: '2' } }),
      fields({ metadata: { a: '2', c: '3' } }),
      fields({ config: cloud(limited()) }),
      fields({ config: cloud(limited({ allowed_hosts: [], allow_package_managers: false })) }),
      fields({ config: cloud(limited(), { pip: ['p'], gem: ['g'] }) }),
      fields({ config: cloud({ type: 'unrestricted' }, { pip: ['p'] }) }),
      fields({ config: { type: 'self_hosted' } }),
    ];
    for (const a of variants) {
      for (const b of variants) {
        const changes = diffFields(a, b);
        expectWellFormed(changes);
        if (a === b) expect(changes).toEqual([]);
        else expect(changes.length).toBeGreaterThan(0);
      }
    }
  });

  it('does not list updated_at or version (they are not fields)', () => {
    const changes = diffFields(fields(), fields({ name: 'x' }));
    expect(changes.map((c) => c.path)).toEqual(['name']);
  });
});

describe('initialChanges', () => {
  it('lists every set leaf of a default environment, each from null', () => {
    expect(initialChanges(fields())).toEqual([
      { path: 'name', from: null, to: 'env-a' },
      { path: 'scope', from: null, to: 'organization' },
      { path: 'config.type', from: null, to: 'cloud' },
      { path: 'config.networking.type', from: null, to: 'unrestricted' },
    ]);
  });

  it('lists non-empty lists, limited networking leaves, description and metadata keys; never nulls or []', () => {
    const changes = initialChanges(
      fields({
        description: 'd',
        metadata: { team: 'ml' },
        config: cloud(limited({ allow_mcp_servers: false }), { pip: ['pandas'] }),
      }),
    );
    expect(changes).toEqual(
      expect.arrayContaining([
        { path: 'description', from: null, to: 'd' },
        { path: 'metadata.team', from: null, to: 'ml' },
        { path: 'config.networking.type', from: null, to: 'limited' },
        { path: 'config.networking.allowed_hosts', from: null, to: ['api.example.com'] },
        { path: 'config.networking.allow_mcp_servers', from: null, to: false },
        { path: 'config.networking.allow_package_managers', from: null, to: true },
        { path: 'config.packages.pip', from: null, to: ['pandas'] },
      ]),
    );
    expect(changes.some((c) => c.path === 'config.packages.npm')).toBe(false);
    for (const change of changes) {
      expect(change.from).toBeNull();
      expect(change.to).not.toBeNull();
      expect(change.to).not.toEqual([]);
    }
    expectWellFormed(changes);
  });

  it('keeps description "" (it is not null)', () => {
    expect(initialChanges(fields({ description: '' }))).toContainEqual({ path: 'description', from: null, to: '' });
  });

  it('lists only name, scope and config.type for a self_hosted environment', () => {
    expect(initialChanges(fields({ config: { type: 'self_hosted' } })).map((c) => c.path)).toEqual(['name', 'scope', 'config.type']);
  });

  it('does not depend on the key order of the state (a jsonb row reorders keys)', () => {
    const asSent = fields({
      metadata: { zz_owner_longest: 'a', team: 'b', ab: 'c' },
      config: cloud(limited({ allowed_hosts: ['x.example.com'] }), { pip: ['pandas'], apt: ['curl'], npm: ['lodash'] }),
    });
    const reordered: EnvironmentFields = {
      scope: 'organization',
      metadata: { ab: 'c', team: 'b', zz_owner_longest: 'a' },
      config: {
        packages: { pip: ['pandas'], npm: ['lodash'], go: [], gem: [], cargo: [], apt: ['curl'], type: 'packages' },
        networking: { allow_package_managers: true, allowed_hosts: ['x.example.com'], type: 'limited', allow_mcp_servers: false },
        type: 'cloud',
      } as CloudConfig,
      description: null,
      name: 'env-a',
    };
    expect(JSON.stringify(initialChanges(reordered))).toBe(JSON.stringify(initialChanges(asSent)));
    expect(initialChanges(asSent).map((c) => c.path)).toEqual([
      'name',
      'scope',
      'config.type',
      'config.networking.type',
      'config.networking.allowed_hosts',
      'config.networking.allow_mcp_servers',
      'config.networking.allow_package_managers',
      'config.packages.apt',
      'config.packages.npm',
      'config.packages.pip',
      'metadata.ab',
      'metadata.team',
      'metadata.zz_owner_longest',
    ]);
  });

  it('renders a networking switch in one key order whatever the order of the state', () => {
    const before = fields({ config: cloud({ type: 'unrestricted' }) });
    const scrambled = { allow_mcp_servers: true, type: 'limited', allowed_hosts: ['h.example.com'], allow_package_managers: false };
    const after = fields({ config: cloud(scrambled as LimitedNetworking) });
    const [change] = diffFields(before, after);
    expect(change.path).toBe('config.networking');
    expect(JSON.stringify(change.to)).toBe(
      '{"type":"limited","allowed_hosts":["h.example.com"],"allow_mcp_servers":true,"allow_package_managers":false}',
    );
  });
});
