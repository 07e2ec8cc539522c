import type { ApiKeyState } from '../domain/api-key';
import type { Scope } from '../domain/scope';
import { workspaceIdOf } from '../workspace';

/** An API key as the admin API and the CLI show it: never its secret or the secret's hash. */
export interface ApiKeyResource {
  type: 'api_key';
  id: string;
  name: string | null;
  scope: Scope;
  workspace_id: string;
  /** A recognisable, non-secret fragment of the current secret: `sk-sb-...wxyz`. */
  key_hint: string;
  status: 'active' | 'expired' | 'revoked';
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** The answer to a create (HTTP and CLI): the only time the secret is shown. */
export type CreatedApiKeyResource = ApiKeyResource & { key: string };

export function statusOf(state: Pick<ApiKeyState, 'revoked_at' | 'expires_at'>, now: string): ApiKeyResource['status'] {
  if (state.revoked_at !== null) return 'revoked';
  if (state.expires_at !== null && state.expires_at <= now) return 'expired';
  return 'active';
}

/** A key as of one of its versions, for the key history: what its events decided, nothing time-dependent. */
export type ApiKeySnapshot = Omit<ApiKeyResource, 'status' | 'last_used_at'>;

export function presentApiKeySnapshot(state: ApiKeyState): ApiKeySnapshot {
  const { status: _status, last_used_at: _lastUsed, ...snapshot } = presentApiKey(state, null, state.created_at);
  return snapshot;
}

export function presentApiKey(state: ApiKeyState, lastUsedAt: string | null, now: string): ApiKeyResource {
  return {
    type: 'api_key',
    id: state.id,
    name: state.name,
    scope: state.scope,
    workspace_id: workspaceIdOf(state.organization_id),
    key_hint: state.key_hint,
    status: statusOf(state, now),
    created_at: state.created_at,
    expires_at: state.expires_at,
    last_used_at: lastUsedAt,
    revoked_at: state.revoked_at,
  };
}
