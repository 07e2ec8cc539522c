import type { Scope } from './scope';

/**
 * An API key as an event-sourced aggregate. Only the SHA-256 of a secret is
 * ever in an event or a row; the secret itself is shown once, to its creator.
 */
/** What a key's creation decides: the organization it acts for, its name and scope, its secret's hash, its expiry. */
export interface ApiKeyAttributes {
  organization_id: string;
  name: string | null;
  scope: Scope;
  key_hash: string;
  key_hint: string;
  expires_at: string | null;
}

export interface ApiKeyState extends ApiKeyAttributes {
  id: string;
  created_at: string;
  revoked_at: string | null;
  /** After a rotation with a grace period: the previous secret's hash, accepted until `previous_key_expires_at`. */
  previous_key_hash: string | null;
  previous_key_expires_at: string | null;
  version: number;
}

export type ApiKeyCreated = { type: 'ApiKeyCreated'; data: ApiKeyAttributes & { api_key_id: string; created_at: string } };

export type ApiKeyRotated = {
  type: 'ApiKeyRotated';
  data: {
    api_key_id: string;
    key_hash: string;
    key_hint: string;
    rotated_at: string;
    /** Until when the previous secret still works; null: it stopped at once. */
    previous_key_expires_at: string | null;
  };
};

export type ApiKeyRevoked = { type: 'ApiKeyRevoked'; data: { api_key_id: string; revoked_at: string } };

export type ApiKeyEvent = ApiKeyCreated | ApiKeyRotated | ApiKeyRevoked;
export const API_KEY_EVENT_TYPES: readonly ApiKeyEvent['type'][] = ['ApiKeyCreated', 'ApiKeyRotated', 'ApiKeyRevoked'];

export function apiKeyStreamId(apiKeyId: string): string {
  return `api_key-${apiKeyId}`;
}

export function evolveApiKey(state: ApiKeyState | null, event: ApiKeyEvent): ApiKeyState {
  switch (event.type) {
    case 'ApiKeyCreated': {
      const { api_key_id, ...rest } = event.data;
      return { id: api_key_id, ...rest, revoked_at: null, previous_key_hash: null, previous_key_expires_at: null, version: 1 };
    }
    case 'ApiKeyRotated': {
      const current = stateOf(state, event);
      const grace = event.data.previous_key_expires_at;
      return {
        ...current,
        key_hash: event.data.key_hash,
        key_hint: event.data.key_hint,
        previous_key_hash: grace === null ? null : current.key_hash,
        previous_key_expires_at: grace,
        version: current.version + 1,
      };
    }
    case 'ApiKeyRevoked': {
      const current = stateOf(state, event);
      return { ...current, revoked_at: event.data.revoked_at, previous_key_hash: null, previous_key_expires_at: null, version: current.version + 1 };
    }
    default: {
      const unknownEvent: never = event;
      throw new Error(`Unhandled event ${JSON.stringify(unknownEvent)}`);
    }
  }
}

function stateOf(state: ApiKeyState | null, event: ApiKeyEvent): ApiKeyState {
  if (state === null) throw new Error(`${event.type} for key ${event.data.api_key_id}, which does not exist`);
  return state;
}
