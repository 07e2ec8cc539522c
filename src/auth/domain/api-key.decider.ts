import type { ApiKeyAttributes, ApiKeyEvent, ApiKeyState } from './api-key';
import { ApiKeyError, ApiKeyErrorCode } from './errors';

export type CreateApiKey = { type: 'CreateApiKey'; data: ApiKeyAttributes & { api_key_id: string }; metadata: { now: string } };

export type RotateApiKey = {
  type: 'RotateApiKey';
  data: { api_key_id: string; key_hash: string; key_hint: string; grace_ms: number };
  metadata: { now: string };
};

export type RevokeApiKey = {
  type: 'RevokeApiKey';
  /** `active_admin_keys`: how many active admin keys the organization has; set when the last one must not be revoked. */
  data: { api_key_id: string; protect_last_admin: boolean; active_admin_keys: number };
  metadata: { now: string };
};

export type ApiKeyCommand = CreateApiKey | RotateApiKey | RevokeApiKey;

/** The longest name a key may have. */
export const MAX_KEY_NAME_LENGTH = 256;

export function apiKeyNotFound(id: string): ApiKeyError {
  return new ApiKeyError(ApiKeyErrorCode.ApiKeyNotFound, `No API key with id ${JSON.stringify(id)} was found`);
}

function active(state: ApiKeyState | null, id: string, now: string, action: string): ApiKeyState {
  if (state === null) throw apiKeyNotFound(id);
  if (state.revoked_at !== null) throw new ApiKeyError(ApiKeyErrorCode.ApiKeyRevoked, `API key ${id} is revoked and cannot be ${action}`);
  if (state.expires_at !== null && state.expires_at <= now) {
    throw new ApiKeyError(ApiKeyErrorCode.ApiKeyRevoked, `API key ${id} expired at ${state.expires_at} and cannot be ${action}`);
  }
  return state;
}

/** The pure rules of a key's life; ids, hashes and time come in the command. */
export function decideApiKey(command: ApiKeyCommand, state: ApiKeyState | null): ApiKeyEvent[] {
  const { now } = command.metadata;
  switch (command.type) {
    case 'CreateApiKey': {
      if (state !== null) throw new Error(`API key ${command.data.api_key_id} already exists`);
      const { name, expires_at } = command.data;
      if (name !== null && (name.trim() === '' || name.length > MAX_KEY_NAME_LENGTH)) {
        throw new ApiKeyError(ApiKeyErrorCode.InvalidRequest, `name: must be 1-${MAX_KEY_NAME_LENGTH} characters`);
      }
      if (expires_at !== null && expires_at <= now) {
        throw new ApiKeyError(ApiKeyErrorCode.InvalidRequest, 'expires_at: must be in the future');
      }
      return [{ type: 'ApiKeyCreated', data: { ...command.data, name: name?.trim() ?? null, created_at: now } }];
    }
    case 'RotateApiKey': {
      const { api_key_id, key_hash, key_hint, grace_ms } = command.data;
      active(state, api_key_id, now, 'rotated');
      const previous = grace_ms > 0 ? new Date(Date.parse(now) + grace_ms).toISOString() : null;
      return [{ type: 'ApiKeyRotated', data: { api_key_id, key_hash, key_hint, rotated_at: now, previous_key_expires_at: previous } }];
    }
    case 'RevokeApiKey': {
      const { api_key_id } = command.data;
      if (state === null) throw apiKeyNotFound(api_key_id);
      if (state.revoked_at !== null) return [];
      const isActiveAdmin = state.scope === 'admin' && (state.expires_at === null || state.expires_at > now);
      if (command.data.protect_last_admin && isActiveAdmin && command.data.active_admin_keys <= 1) {
        throw new ApiKeyError(
          ApiKeyErrorCode.LastAdminKey,
          `API key ${api_key_id} is the organization's last active admin key and cannot be revoked; create another admin key first`,
        );
      }
      return [{ type: 'ApiKeyRevoked', data: { api_key_id, revoked_at: now } }];
    }
    default: {
      const unknownCommand: never = command;
      throw new Error(`Unhandled command ${JSON.stringify(unknownCommand)}`);
    }
  }
}
