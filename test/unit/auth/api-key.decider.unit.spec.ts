import { ApiKeyEvent, ApiKeyState, evolveApiKey } from '../../../src/auth/domain/api-key';
import { ApiKeyCommand, decideApiKey } from '../../../src/auth/domain/api-key.decider';
import { ApiKeyErrorCode } from '../../../src/auth/domain/errors';

/** Given events, when a command, then events (or an error code): the key's rules without a database. */
const T0 = '2026-06-01T10:00:00.000Z';
const T1 = '2026-06-01T11:00:00.000Z';
const created: ApiKeyEvent = {
  type: 'ApiKeyCreated',
  data: {
    api_key_id: 'apikey_1',
    organization_id: 'org_1',
    name: 'ci',
    scope: 'admin',
    key_hash: 'h0',
    key_hint: 'sk-sb-...aaaa',
    created_at: T0,
    expires_at: null,
  },
};

function given(events: ApiKeyEvent[]): ApiKeyState | null {
  return events.reduce<ApiKeyState | null>(evolveApiKey, null);
}

function when(events: ApiKeyEvent[], command: ApiKeyCommand): ApiKeyEvent[] {
  return decideApiKey(command, given(events));
}

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  throw new Error('expected an error');
}

const revoke = (data: Partial<{ protect_last_admin: boolean; active_admin_keys: number }> = {}, now = T1): ApiKeyCommand => ({
  type: 'RevokeApiKey',
  data: { api_key_id: 'apikey_1', protect_last_admin: false, active_admin_keys: 2, ...data },
  metadata: { now },
});
const rotate = (grace_ms: number, now = T1): ApiKeyCommand => ({
  type: 'RotateApiKey',
  data: { api_key_id: 'apikey_1', key_hash: 'h1', key_hint: 'sk-sb-...bbbb', grace_ms },
  metadata: { now },
});

describe('API key decider', () => {
  it('creates a key at the command time, its name trimmed, at version 1', () => {
    const command: ApiKeyCommand = { type: 'CreateApiKey', data: { ...created.data, name: '  ci  ' }, metadata: { now: T0 } };
    const events = when([], command);
    expect(events).toEqual([{ type: 'ApiKeyCreated', data: { ...created.data, name: 'ci', created_at: T0 } }]);
    expect(given(events)).toMatchObject({ id: 'apikey_1', scope: 'admin', version: 1, revoked_at: null });
  });

  it('refuses an empty or over-long name and an expiry that is not in the future', () => {
    const base = { ...created.data };
    const create = (data: Partial<typeof base>): ApiKeyCommand => ({ type: 'CreateApiKey', data: { ...base, ...data }, metadata: { now: T0 } });
    expect(codeOf(() => when([], create({ name: '  ' })))).toBe(ApiKeyErrorCode.InvalidRequest);
    expect(codeOf(() => when([], create({ name: 'x'.repeat(257) })))).toBe(ApiKeyErrorCode.InvalidRequest);
    expect(codeOf(() => when([], create({ expires_at: T0 })))).toBe(ApiKeyErrorCode.InvalidRequest);
    expect(when([], create({ name: null, expires_at: T1 }))).toHaveLength(1);
  });

  it('rotates without a grace period: the previous secret stops at once', () => {
    const events = when([created], rotate(0));
    expect(events).toEqual([
      { type: 'ApiKeyRotated', data: { api_key_id: 'apikey_1', key_hash: 'h1', key_hint: 'sk-sb-...bbbb', rotated_at: T1, previous_key_expires_at: null } },
    ]);
    expect(given([created, ...events])).toMatchObject({ key_hash: 'h1', previous_key_hash: null, version: 2 });
  });

  it('rotates with a grace period: the previous secret works until it ends', () => {
    const events = when([created], rotate(10 * 60_000));
    expect(given([created, ...events])).toMatchObject({
      key_hash: 'h1',
      previous_key_hash: 'h0',
      previous_key_expires_at: '2026-06-01T11:10:00.000Z',
    });
  });

  it('revokes once; revoking again records nothing; a revoked key cannot be rotated', () => {
    const revoked = when([created], revoke());
    expect(revoked).toEqual([{ type: 'ApiKeyRevoked', data: { api_key_id: 'apikey_1', revoked_at: T1 } }]);
    expect(when([created, ...revoked], revoke())).toEqual([]);
    expect(codeOf(() => when([created, ...revoked], rotate(0)))).toBe(ApiKeyErrorCode.ApiKeyRevoked);
  });

  it('revoking also ends a rotation grace period', () => {
    const rotated = when([created], rotate(60_000));
    const revoked = when([created, ...rotated], revoke());
    expect(given([created, ...rotated, ...revoked])).toMatchObject({ previous_key_hash: null, previous_key_expires_at: null });
  });

  it('an expired key cannot be rotated', () => {
    const expiring: ApiKeyEvent = { type: 'ApiKeyCreated', data: { ...created.data, expires_at: T1 } };
    expect(codeOf(() => when([expiring], rotate(0, T1)))).toBe(ApiKeyErrorCode.ApiKeyRevoked);
  });

  it('protects the last active admin key when asked to, and only then', () => {
    expect(codeOf(() => when([created], revoke({ protect_last_admin: true, active_admin_keys: 1 })))).toBe(ApiKeyErrorCode.LastAdminKey);
    expect(when([created], revoke({ protect_last_admin: true, active_admin_keys: 2 }))).toHaveLength(1);
    expect(when([created], revoke({ protect_last_admin: false, active_admin_keys: 1 }))).toHaveLength(1);
    const writer: ApiKeyEvent = { type: 'ApiKeyCreated', data: { ...created.data, scope: 'write' } };
    expect(when([writer], revoke({ protect_last_admin: true, active_admin_keys: 1 }))).toHaveLength(1);
  });

  it('an unknown key is not found', () => {
    expect(codeOf(() => when([], revoke()))).toBe(ApiKeyErrorCode.ApiKeyNotFound);
    expect(codeOf(() => when([], rotate(0)))).toBe(ApiKeyErrorCode.ApiKeyNotFound);
  });
});
