import type { EnvironmentKeyState } from '../domain/environment-key';
import type { WorkItem, WorkState } from '../domain/work';

/** A work item as the API answers it (`BetaSelfHostedWork`). */
export interface WorkResource {
  type: 'work';
  id: string;
  environment_id: string;
  state: WorkState;
  data: { type: string; id: string };
  metadata: Record<string, string>;
  secret: string | null;
  created_at: string;
  acknowledged_at: string | null;
  started_at: string | null;
  latest_heartbeat_at: string | null;
  stop_requested_at: string | null;
  stopped_at: string | null;
}

/** `secret` is filled only in a poll's answer; `latestHeartbeat` comes from the item's lease. */
export function presentWork(item: WorkItem, latestHeartbeat: string | null = null, secret: string | null = null): WorkResource {
  return {
    type: 'work',
    id: item.id,
    environment_id: item.environment_id,
    state: item.state,
    data: { type: item.data_type, id: item.data_id },
    metadata: item.metadata,
    secret,
    created_at: item.created_at,
    acknowledged_at: item.acknowledged_at,
    started_at: item.started_at,
    latest_heartbeat_at: latestHeartbeat,
    stop_requested_at: item.stop_requested_at,
    stopped_at: item.stopped_at,
  };
}

/** The answer to a heartbeat (`BetaSelfHostedWorkHeartbeatResponse`), and the `current_state` of a failed precondition. */
export interface LeaseState {
  last_heartbeat: string | null;
  lease_extended: boolean;
  state: WorkState;
  ttl_seconds: number;
}

export interface EnvironmentKeyResource {
  type: 'environment_key';
  id: string;
  environment_id: string;
  name: string | null;
  key_hint: string;
  created_at: string;
  revoked_at: string | null;
}

export function presentEnvironmentKey(key: EnvironmentKeyState): EnvironmentKeyResource {
  return {
    type: 'environment_key',
    id: key.id,
    environment_id: key.environment_id,
    name: key.name,
    key_hint: key.key_hint,
    created_at: key.created_at,
    revoked_at: key.revoked_at,
  };
}
