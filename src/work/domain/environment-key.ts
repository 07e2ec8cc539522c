/**
 * An environment key: the credential of a self-hosted environment's workers
 * (poll, ack, heartbeat, stop, list). Only a hash of its secret is kept. It
 * is revoked by a call, or with its environment when that is archived or
 * deleted. Pure: state, events and evolve.
 */
export interface EnvironmentKeyState {
  id: string;
  organization_id: string;
  environment_id: string;
  name: string | null;
  key_hash: string;
  key_hint: string;
  created_at: string;
  revoked_at: string | null;
  version: number;
}

export type EnvironmentKeyEvent =
  | {
      type: 'EnvironmentKeyCreated';
      data: { environment_key_id: string; organization_id: string; environment_id: string; name: string | null; key_hash: string; key_hint: string; created_at: string };
    }
  | { type: 'EnvironmentKeyRevoked'; data: { environment_key_id: string; revoked_at: string; reason: 'revoked' | 'environment_retired' } };

export const ENVIRONMENT_KEY_EVENT_TYPES: readonly EnvironmentKeyEvent['type'][] = ['EnvironmentKeyCreated', 'EnvironmentKeyRevoked'];

export const environmentKeyStreamId = (id: string): string => `environment_key-${id}`;

/** The longest name an environment key may have. */
export const ENVIRONMENT_KEY_NAME_MAX = 128;

export function evolveEnvironmentKey(state: EnvironmentKeyState | null, event: EnvironmentKeyEvent): EnvironmentKeyState | null {
  if (event.type === 'EnvironmentKeyCreated') {
    const { environment_key_id, ...rest } = event.data;
    return { id: environment_key_id, ...rest, revoked_at: null, version: 1 };
  }
  if (!state) throw new Error(`${event.type} for an environment key that was never created`);
  return { ...state, revoked_at: event.data.revoked_at, version: state.version + 1 };
}

/** Revoking twice changes nothing the second time. */
export function decideRevoke(state: EnvironmentKeyState, now: string, reason: 'revoked' | 'environment_retired'): EnvironmentKeyEvent[] {
  if (state.revoked_at !== null) return [];
  return [{ type: 'EnvironmentKeyRevoked', data: { environment_key_id: state.id, revoked_at: now, reason } }];
}
