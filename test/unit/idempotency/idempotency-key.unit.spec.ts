import fc from 'fast-check';
import { ConfigError, loadConfig } from '../../../src/config/config';
import { ApiError } from '../../../src/common/api-error';
import {
  CLAIM_LEASE_MS,
  decideClaim,
  isStoredFailure,
  parseIdempotencyKey,
  requestFingerprint,
  StoredRecord,
} from '../../../src/idempotency/idempotency-key';

describe('parseIdempotencyKey', () => {
  it('accepts 1 to 255 printable ASCII characters, and no header at all', () => {
    expect(parseIdempotencyKey(undefined)).toBeNull();
    for (const ok of ['a', 'x'.repeat(255), 'with space', '~!@#$%^&*()_+{}|:"<>?', '550e8400-e29b-41d4-a716-446655440000']) {
      expect(parseIdempotencyKey(ok)).toBe(ok);
    }
  });

  it('refuses anything else with a 400', () => {
    for (const bad of ['', 'x'.repeat(256), 'tab\t', 'new\nline', 'ü', '\x7f', ['a', 'b']]) {
      expect(() => parseIdempotencyKey(bad)).toThrow(ApiError);
    }
  });
});

describe('requestFingerprint', () => {
  it('ignores key order and formatting, and tells method, path and body apart', () => {
    const base = requestFingerprint('POST', '/v1/environments', { name: 'a', metadata: { x: '1', y: '2' } });
    expect(requestFingerprint('post', '/v1/environments', JSON.parse('{"metadata":{"y":"2","x":"1"},"name":"a"}'))).toBe(base);
    expect(requestFingerprint('POST', '/v1/environments/env_1', { name: 'a', metadata: { x: '1', y: '2' } })).not.toBe(base);
    expect(requestFingerprint('POST', '/v1/environments', { name: 'b', metadata: { x: '1', y: '2' } })).not.toBe(base);
    expect(requestFingerprint('POST', '/v1/environments', undefined)).toBe(requestFingerprint('POST', '/v1/environments', null));
  });

  it('is equal exactly when the parsed bodies are equal (canonically)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const same = requestFingerprint('POST', '/p', a) === requestFingerprint('POST', '/p', b);
        const reparsed = requestFingerprint('POST', '/p', JSON.parse(JSON.stringify(a)));
        expect(reparsed).toBe(requestFingerprint('POST', '/p', a));
        if (JSON.stringify(a) === JSON.stringify(b)) expect(same).toBe(true);
      }),
    );
  });
});

describe('decideClaim', () => {
  const now = '2026-06-01T12:00:00.000Z';
  const at = (offsetMs: number) => new Date(Date.parse(now) + offsetMs).toISOString();
  const record = (overrides: Partial<StoredRecord> = {}): StoredRecord => ({
    request_hash: 'h',
    state: 'completed',
    claim_token: 't',
    status: 200,
    response: '{"id":"env_1","b":[1,2]}',
    claimed_at: at(-1_000),
    expires_at: at(86_400_000),
    ...overrides,
  });

  it('replays a completed answer to the same request, exactly as stored', () => {
    expect(decideClaim(record(), 'h', now)).toEqual({ kind: 'replay', status: 200, body: { id: 'env_1', b: [1, 2] } });
  });

  it('refuses a different request with the same key, running or completed', () => {
    expect(decideClaim(record(), 'other', now)).toEqual({ kind: 'mismatch' });
    expect(decideClaim(record({ state: 'running', status: null, response: null }), 'other', now)).toEqual({ kind: 'mismatch' });
  });

  it('answers in_use while the first request runs, and lets a request take over an abandoned claim', () => {
    const running = { state: 'running' as const, status: null, response: null };
    expect(decideClaim(record({ ...running, claimed_at: at(-CLAIM_LEASE_MS + 1) }), 'h', now)).toEqual({ kind: 'in_use' });
    expect(decideClaim(record({ ...running, claimed_at: at(-CLAIM_LEASE_MS) }), 'h', now)).toEqual({ kind: 'take_over' });
  });

  it('treats an expired record as absent, whatever it holds', () => {
    expect(decideClaim(record({ expires_at: now }), 'other', now)).toEqual({ kind: 'take_over' });
    expect(decideClaim(record({ expires_at: at(-1) }), 'h', now)).toEqual({ kind: 'take_over' });
  });
});

describe('isStoredFailure', () => {
  it('stores 4xx answers but 409 and 429; never 5xx', () => {
    for (const status of [400, 401, 403, 404, 412, 413, 415, 422]) expect(isStoredFailure(status)).toBe(true);
    for (const status of [200, 409, 429, 500, 503]) expect(isStoredFailure(status)).toBe(false);
  });
});

describe('idempotency settings', () => {
  it('keep answers 24 hours and take over claims after 60 seconds by default; both are configurable and bounded', () => {
    expect(loadConfig({})).toMatchObject({ idempotencyTtlSeconds: 86_400, idempotencyLeaseSeconds: 60 });
    expect(loadConfig({ SANDBASE_IDEMPOTENCY_TTL_SECONDS: '5', SANDBASE_IDEMPOTENCY_LEASE_SECONDS: '3' })).toMatchObject({
      idempotencyTtlSeconds: 5,
      idempotencyLeaseSeconds: 3,
    });
    expect(() => loadConfig({ SANDBASE_IDEMPOTENCY_TTL_SECONDS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ SANDBASE_IDEMPOTENCY_LEASE_SECONDS: 'soon' })).toThrow(ConfigError);
  });

  it('takes the lease it is given', () => {
    const record: StoredRecord = {
      request_hash: 'h',
      state: 'running',
      claim_token: 't',
      status: null,
      response: null,
      claimed_at: '2026-06-01T11:59:57.000Z',
      expires_at: '2026-06-02T11:59:57.000Z',
    };
    expect(decideClaim(record, 'h', '2026-06-01T12:00:00.000Z', 3_000)).toEqual({ kind: 'take_over' });
    expect(decideClaim(record, 'h', '2026-06-01T12:00:00.000Z', 3_001)).toEqual({ kind: 'in_use' });
  });
});
