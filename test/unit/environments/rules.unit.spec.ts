import { DomainErrorCode } from '../../../src/environments/domain/errors';
import { createFields } from '../../../src/environments/domain/fields';
import type { EnvironmentInput } from '../../../src/environments/domain/inputs';
import {
  applyMetadataPatch,
  charLength,
  checkDescription,
  checkPackageList,
  checkScope,
  isHostname,
  isIPv4,
  isIPv6,
  normalizeAllowedHosts,
  normalizeName,
} from '../../../src/environments/domain/rules';
import { domainFailure } from '../../support/environment-decider';

/** The field rules of the API (docs/api.md), checked one function at a time. */

function expectFailure(fn: () => unknown, code: DomainErrorCode, field: string): void {
  const error = domainFailure(fn);
  expect(error.code).toBe(code);
  expect(error.message).toContain(field);
}

const EMOJI = '\u{1F600}'; // one code point, two UTF-16 units

describe('charLength', () => {
  it('counts Unicode code points, not UTF-16 units', () => {
    expect(charLength('')).toBe(0);
    expect(charLength('abc')).toBe(3);
    expect(EMOJI.length).toBe(2);
    expect(charLength(EMOJI)).toBe(1);
    expect(charLength(`a${EMOJI}é`)).toBe(3);
  });
});

describe('name', () => {
  it('is trimmed', () => {
    expect(normalizeName('  python  ')).toBe('python');
    expect(normalizeName('\t\n a b \r\n')).toBe('a b');
  });

  it('keeps inner whitespace', () => {
    expect(normalizeName('my  env')).toBe('my  env');
  });

  it('accepts 1 and 256 characters after trimming (code points)', () => {
    expect(normalizeName('x')).toBe('x');
    expect(normalizeName('x'.repeat(256))).toHaveLength(256);
    expect(normalizeName(`  ${'x'.repeat(256)}  `)).toBe('x'.repeat(256));
    expect(normalizeName(EMOJI.repeat(256))).toBe(EMOJI.repeat(256));
  });

  it.each([
    ['empty', ''],
    ['whitespace only', '   \t\n '],
    ['257 characters', 'x'.repeat(257)],
    ['257 emoji', EMOJI.repeat(257)],
  ])('rejects a name that is %s', (_case, value) => {
    expectFailure(() => normalizeName(value), DomainErrorCode.InvalidRequest, 'name');
  });

  it.each([[42], [null], [['a']]])('rejects a non-string name (%p)', (value) => {
    expectFailure(() => normalizeName(value), DomainErrorCode.InvalidRequest, 'name');
  });
});

describe('description', () => {
  it('accepts null, "", and up to 1,024 characters (code points), untrimmed', () => {
    expect(checkDescription(null)).toBeNull();
    expect(checkDescription('')).toBe('');
    expect(checkDescription(' padded ')).toBe(' padded ');
    expect(checkDescription('d'.repeat(1024))).toHaveLength(1024);
    expect(checkDescription(EMOJI.repeat(1024))).toBe(EMOJI.repeat(1024));
  });

  it('rejects 1,025 characters and non-strings', () => {
    expectFailure(() => checkDescription('d'.repeat(1025)), DomainErrorCode.InvalidRequest, 'description');
    expectFailure(() => checkDescription(EMOJI.repeat(1025)), DomainErrorCode.InvalidRequest, 'description');
    expectFailure(() => checkDescription(7), DomainErrorCode.InvalidRequest, 'description');
  });
});

describe('scope', () => {
  it('accepts only "organization"', () => {
    expect(checkScope('organization')).toBe('organization');
  });

  it.each([['account'], ['Organization'], [''], [1]])('rejects %p', (value) => {
    expectFailure(() => checkScope(value), DomainErrorCode.InvalidRequest, 'scope');
  });

  it('defaults to "organization" on create', () => {
    expect(createFields({ name: 'a' }).scope).toBe('organization');
    expect(createFields({ name: 'a', scope: null }).scope).toBe('organization');
  });
});

describe('metadata', () => {
  const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]));

  it('accepts up to 16 pairs', () => {
    expect(Object.keys(applyMetadataPatch({}, pairs(16)))).toHaveLength(16);
  });

  it('rejects 17 pairs with invalid_metadata', () => {
    const error = domainFailure(() => applyMetadataPatch({}, pairs(17)));
    expect(error.code).toBe(DomainErrorCode.InvalidMetadata);
    expect(error.message).toMatch(/metadata.*16.*17/);
  });

  it('counts the merged result, not the patch', () => {
    expectFailure(() => applyMetadataPatch(pairs(10), { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6', g: '7' }), DomainErrorCode.InvalidMetadata, 'metadata');
    expect(Object.keys(applyMetadataPatch(pairs(16), { k0: null, new: 'x' }))).toHaveLength(16);
  });

  it('accepts keys of 1 and 64 characters (code points)', () => {
    expect(applyMetadataPatch({}, { a: 'v' })).toEqual({ a: 'v' });
    const long = 'k'.repeat(64);
    expect(applyMetadataPatch({}, { [long]: 'v' })).toEqual({ [long]: 'v' });
    expect(applyMetadataPatch({}, { [EMOJI.repeat(64)]: 'v' })).toEqual({ [EMOJI.repeat(64)]: 'v' });
  });

  it.each([
    ['an empty key', ''],
    ['a 65-character key', 'k'.repeat(65)],
    ['a 65-emoji key', EMOJI.repeat(65)],
  ])('rejects %s with invalid_metadata', (_case, key) => {
    expectFailure(() => applyMetadataPatch({}, { [key]: 'v' }), DomainErrorCode.InvalidMetadata, 'metadata');
  });

  it('accepts values up to 512 characters and rejects 513', () => {
    expect(applyMetadataPatch({}, { k: 'v'.repeat(512) }).k).toHaveLength(512);
    expect(applyMetadataPatch({}, { k: EMOJI.repeat(512) }).k).toBe(EMOJI.repeat(512));
    expectFailure(() => applyMetadataPatch({}, { k: 'v'.repeat(513) }), DomainErrorCode.InvalidMetadata, 'metadata.k');
  });

  it.each([
    ['a number', 1],
    ['a boolean', true],
    ['an object', { nested: 'x' }],
    ['an array', ['x']],
  ])('rejects %s as a value with invalid_metadata', (_case, value) => {
    expectFailure(() => applyMetadataPatch({}, { key: value }), DomainErrorCode.InvalidMetadata, 'metadata.key');
  });

  it.each([
    ['null', null],
    ['an array', ['a']],
    ['a string', 'a=b'],
  ])('rejects metadata that is %s with invalid_metadata', (_case, value) => {
    expectFailure(() => applyMetadataPatch({}, value), DomainErrorCode.InvalidMetadata, 'metadata');
  });

  it('deletes keys set to null or "", upserts the rest, leaves others alone, and does not mutate its input', () => {
    const current = { a: '1', b: '2', c: '3' };
    expect(applyMetadataPatch(current, { a: null, b: '', d: '4', c: '3!' })).toEqual({ c: '3!', d: '4' });
    expect(current).toEqual({ a: '1', b: '2', c: '3' });
    expect(applyMetadataPatch(current, { missing: null })).toEqual(current);
  });

  it('treats "__proto__" as an ordinary key', () => {
    const result = applyMetadataPatch({}, JSON.parse('{"__proto__":"x"}'));
    expect(Object.keys(result)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
  });

  it('create applies the same rules (invalid_metadata for a non-string value)', () => {
    expectFailure(
      () => createFields({ name: 'a', metadata: { n: 5 } } as unknown as EnvironmentInput),
      DomainErrorCode.InvalidMetadata,
      'metadata.n',
    );
  });
});

describe('networking.allowed_hosts', () => {
  const PATH = 'config.networking.allowed_hosts';

  it.each([
    ['a hostname', 'api.example.com'],
    ['a single label', 'localhost'],
    ['a hyphenated label', 'my-host.example.co.uk'],
    ['a 63-character label', `${'a'.repeat(63)}.com`],
    ['a "*." wildcard', '*.example.com'],
    ['an IPv4 address', '192.168.0.1'],
    ['IPv4 edge values', '0.0.0.0'],
    ['IPv4 255s', '255.255.255.255'],
    ['IPv6 full form', '2001:0db8:0000:0000:0000:ff00:0042:8329'],
    ['IPv6 compressed', '2001:db8::ff00:42:8329'],
    ['IPv6 loopback', '::1'],
    ['IPv6 unspecified', '::'],
    ['IPv4-mapped IPv6', '::ffff:192.0.2.128'],
  ])('accepts %s', (_case, host) => {
    expect(normalizeAllowedHosts([host])).toEqual([host]);
  });

  it.each([
    ['a scheme', 'https://api.example.com'],
    ['a scheme without slashes', 'http:api.example.com'],
    ['a path', 'api.example.com/v1'],
    ['a trailing slash', 'api.example.com/'],
    ['a port', 'api.example.com:443'],
    ['an IPv4 with a port', '10.0.0.1:8080'],
    ['a bracketed IPv6 with a port', '[::1]:443'],
    ['a leading space', ' api.example.com'],
    ['a trailing space', 'api.example.com '],
    ['an inner space', 'api example.com'],
    ['a tab', 'api.example.com\t'],
    ['a newline', 'api.example.com\n'],
    ['an empty string', ''],
    ['a bare "*"', '*'],
    ['a wildcard not at the start', 'api.*.example.com'],
    ['a double wildcard', '*.*.example.com'],
    ['a wildcard IP', '*.10.0.0.1'],
    ['a leading hyphen', '-api.example.com'],
    ['an empty label', 'api..example.com'],
    ['an underscore', 'api_v1.example.com'],
    ['a 64-character label', `${'a'.repeat(64)}.com`],
    ['an out-of-range IPv4', '256.1.1.1'],
    ['an IPv4 with too few octets', '1.2.3'],
    ['an IPv6 with two "::"', '1::2::3'],
    ['an IPv6 with nine groups', '1:2:3:4:5:6:7:8:9'],
    ['an IPv6 with a bad group', '2001:db8::gggg'],
    ['user info', 'user@api.example.com'],
  ])('rejects %s', (_case, host) => {
    expectFailure(() => normalizeAllowedHosts([host]), DomainErrorCode.InvalidRequest, PATH);
  });

  it('names the offending entry by index', () => {
    expectFailure(() => normalizeAllowedHosts(['ok.example.com', 'bad host']), DomainErrorCode.InvalidRequest, `${PATH}[1]`);
  });

  it('rejects a non-array and non-string entries', () => {
    expectFailure(() => normalizeAllowedHosts('a.com'), DomainErrorCode.InvalidRequest, PATH);
    expectFailure(() => normalizeAllowedHosts([1]), DomainErrorCode.InvalidRequest, PATH);
  });

  it('stores hosts lower-cased (hostnames, wildcards and IPv6)', () => {
    expect(normalizeAllowedHosts(['API.Example.COM', '*.CDN.Example.com', '2001:DB8::ABCD'])).toEqual([
      'api.example.com',
      '*.cdn.example.com',
      '2001:db8::abcd',
    ]);
  });

  it('de-duplicates in first-seen order (after lower-casing)', () => {
    expect(normalizeAllowedHosts(['b.com', 'A.com', 'b.com', 'a.COM', 'c.com', 'B.COM'])).toEqual(['b.com', 'a.com', 'c.com']);
  });

  it('accepts [] and does not mutate its input', () => {
    expect(normalizeAllowedHosts([])).toEqual([]);
    const input = ['X.com'];
    normalizeAllowedHosts(input);
    expect(input).toEqual(['X.com']);
  });

  it('accepts 256 entries and rejects 257', () => {
    const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i}.example.com`);
    expect(normalizeAllowedHosts(hosts(256))).toHaveLength(256);
    expectFailure(() => normalizeAllowedHosts(hosts(257)), DomainErrorCode.InvalidRequest, PATH);
  });
});

describe('IP and hostname predicates', () => {
  it('isIPv4', () => {
    expect(isIPv4('1.2.3.4')).toBe(true);
    expect(isIPv4('1.2.3.256')).toBe(false);
    expect(isIPv4('1.2.3.4.5')).toBe(false);
  });

  it('isIPv6', () => {
    expect(isIPv6('fe80::1')).toBe(true);
    expect(isIPv6('1:2:3:4:5:6:7:8')).toBe(true);
    expect(isIPv6('1:2:3:4:5:6:7')).toBe(false);
    expect(isIPv6('1:2:3:4:5:6:1.2.3.4')).toBe(true);
    expect(isIPv6('1:2:3:4:5:6:7:1.2.3.4')).toBe(false);
    expect(isIPv6('example.com')).toBe(false);
  });

  it('isHostname does not take a dotted number for a hostname', () => {
    expect(isHostname('1.2.3')).toBe(false);
    expect(isHostname('host1.example2.com')).toBe(true);
    const label = 'a'.repeat(63);
    expect(isHostname(`${label}.${label}.${label}.${'a'.repeat(61)}`)).toBe(true); // 253 characters
    expect(isHostname(`${label}.${label}.${label}.${'a'.repeat(62)}`)).toBe(false); // 254 characters
  });
});

describe('packages.<manager>', () => {
  it('accepts entries of 1 and 256 characters (code points), with versions and paths', () => {
    expect(checkPackageList('pip', ['a', 'x'.repeat(256), 'pandas==2.2.0', 'numpy>=1.26'])).toEqual([
      'a',
      'x'.repeat(256),
      'pandas==2.2.0',
      'numpy>=1.26',
    ]);
    expect(checkPackageList('go', ['golang.org/x/tools@latest', `${EMOJI.repeat(256)}`])).toHaveLength(2);
    expect(checkPackageList('npm', ['@types/node@20'])).toEqual(['@types/node@20']);
  });

  it('keeps order and duplicates as sent, and returns a copy', () => {
    const input = ['b', 'a', 'b'];
    const result = checkPackageList('apt', input);
    expect(result).toEqual(['b', 'a', 'b']);
    expect(result).not.toBe(input);
  });

  it.each([
    ['empty', ''],
    ['257 characters', 'x'.repeat(257)],
    ['a space', 'scikit learn'],
    ['a leading space', ' numpy'],
    ['a tab', 'numpy\t'],
    ['a newline', 'numpy\n'],
    ['a no-break space', 'num\u00a0py'],
    ['a NUL', 'num\u0000py'],
    ['an escape', 'num\u001bpy'],
    ['a DEL', 'num\u007fpy'],
    ['a C1 control', 'num\u0085py'],
  ])('rejects an entry that is/has %s, naming the manager and index', (_case, entry) => {
    expectFailure(() => checkPackageList('pip', ['ok', entry]), DomainErrorCode.InvalidRequest, 'config.packages.pip[1]');
  });

  it('accepts 256 entries and rejects 257', () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`);
    expect(checkPackageList('cargo', list(256))).toHaveLength(256);
    expectFailure(() => checkPackageList('cargo', list(257)), DomainErrorCode.InvalidRequest, 'config.packages.cargo');
  });

  it('rejects a non-array and non-string entries', () => {
    expectFailure(() => checkPackageList('gem', 'rails'), DomainErrorCode.InvalidRequest, 'config.packages.gem');
    expectFailure(() => checkPackageList('gem', [1]), DomainErrorCode.InvalidRequest, 'config.packages.gem[0]');
  });

  it('create applies the same rules for every manager', () => {
    for (const manager of ['apt', 'cargo', 'gem', 'go', 'npm', 'pip']) {
      expectFailure(
        () => createFields({ name: 'a', config: { type: 'cloud', packages: { [manager]: ['bad entry'] } } } as EnvironmentInput),
        DomainErrorCode.InvalidRequest,
        `config.packages.${manager}`,
      );
    }
  });
});
