import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../src/event-store/canonical-json';
import { chainHash, GENESIS_HASH } from '../../../src/event-store/hash-chain';
import { int, pick, seededRandom } from '../../support/random';

describe('canonical JSON', () => {
  it('sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('is the same whatever the key order of the input (as jsonb returns it)', () => {
    expect(canonicalJson({ type: 'cloud', networking: { type: 'unrestricted' } })).toBe(
      canonicalJson({ networking: { type: 'unrestricted' }, type: 'cloud' }),
    );
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ 'k"': 'line\nbreak \u2028 é' })).toBe(JSON.stringify({ 'k"': 'line\nbreak \u2028 é' }));
  });

  it('orders keys as Array.prototype.sort does, for any keys and any number of them', () => {
    // Keys JavaScript orders specially (integer-like ones come first in Object.keys), and
    // characters beyond the Basic Multilingual Plane, whose UTF-16 order differs from their code points'.
    const pool = ['', '0', '1', '9', '10', '2', 'a', 'B', 'b', '_', 'é', 'Z', 'ab', 'a b', '\u{1F600}', '\uFFFD', '-1', '1.5', 'type'];
    const random = seededRandom(7);
    const value = (depth: number): unknown => {
      const kind = int(random, depth > 2 ? 3 : 5);
      if (kind === 0) return int(random, 1000) - 500;
      if (kind === 1) return pick(random, pool);
      if (kind === 2) return int(random, 2) === 0 ? null : true;
      if (kind === 3) return Array.from({ length: int(random, 4) }, () => value(depth + 1));
      // Up to 40 keys: past the insertion sort's limit as well.
      const object: Record<string, unknown> = {};
      for (let i = int(random, 41); i > 0; i--) object[int(random, 3) === 0 ? `k${int(random, 60)}` : pick(random, pool)] = value(depth + 1);
      return object;
    };
    const reference = (v: unknown): string => {
      if (v === null || typeof v !== 'object') return JSON.stringify(v);
      if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
      const record = v as Record<string, unknown>;
      return `{${Object.keys(record)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${reference(record[k])}`)
        .join(',')}}`;
    };
    for (let i = 0; i < 3000; i++) {
      const v = value(0);
      expect(canonicalJson(v)).toBe(reference(v));
    }
  });
});

describe('the audit hash chain', () => {
  const event = {
    chain_seq: 1,
    event_id: 'abc',
    stream_id: 'environment-env_1',
    stream_version: 1,
    organization_id: 'org_1',
    type: 'EnvironmentCreated',
    data: { name: 'x', metadata: { a: '1' } },
    metadata: { request_id: 'req_1' },
    recorded_at: '2026-05-29T10:00:00.000Z',
  };

  it('is a SHA-256 hex digest that depends on the previous hash', () => {
    const first = chainHash(GENESIS_HASH, event);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash(first, { ...event, chain_seq: 2 })).not.toBe(chainHash(GENESIS_HASH, { ...event, chain_seq: 2 }));
  });

  it.each([
    ['chain_seq', { chain_seq: 2 }],
    ['event_id', { event_id: 'abd' }],
    ['stream_id', { stream_id: 'environment-env_2' }],
    ['stream_version', { stream_version: 2 }],
    ['organization_id', { organization_id: 'org_2' }],
    ['type', { type: 'EnvironmentModified' }],
    ['data', { data: { name: 'y', metadata: { a: '1' } } }],
    ['metadata', { metadata: { request_id: 'req_2' } }],
    ['recorded_at', { recorded_at: '2026-05-29T10:00:00.001Z' }],
  ])('changes when %s changes', (_field, change) => {
    expect(chainHash(GENESIS_HASH, { ...event, ...change })).not.toBe(chainHash(GENESIS_HASH, event));
  });

  it('is SHA-256 over the previous hash, a newline and the canonical JSON of the whole event', () => {
    const tricky = { ...event, event_id: 'a"b\u2028', data: { z: [1, { b: null, a: 'é' }], a: 1.5 }, metadata: {} };
    for (const e of [event, tricky]) {
      const expected = createHash('sha256').update(`${GENESIS_HASH}\n${canonicalJson(e)}`).digest('hex');
      expect(chainHash(GENESIS_HASH, e)).toBe(expected);
    }
  });

  it('does not depend on key order inside data', () => {
    expect(chainHash(GENESIS_HASH, { ...event, data: { metadata: { a: '1' }, name: 'x' } })).toBe(chainHash(GENESIS_HASH, event));
  });
});
