import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../src/event-store/canonical-json';
import { chainHash, GENESIS_HASH } from '../../../src/event-store/hash-chain';

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
