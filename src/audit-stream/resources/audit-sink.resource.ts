import type { SinkState, SinkType } from '../domain/sink';
import type { SinkRow } from '../sink-store';

/** GET /v1/audit_sinks/{id}: the sink, where it stands in the organization's chain and how it fares. Never its secret. */
export interface AuditSinkResource {
  type: 'audit_sink';
  id: string;
  sink_type: SinkType;
  url: string | null;
  subject: string | null;
  path: string | null;
  batch_size: number;
  max_failures: number;
  state: SinkState;
  position: number;
  lag: number;
  lag_seconds: number;
  failures: number;
  last_error: string | null;
  last_delivered_at: string | null;
  next_attempt_at: string | null;
  created_at: string;
}

/** How far behind the sink is: records of the chain after its position, and the age of the oldest of them. */
export interface SinkLag {
  versions: number;
  seconds: number;
}

export function presentAuditSink(row: SinkRow, lag: SinkLag): AuditSinkResource {
  return {
    type: 'audit_sink',
    id: row.id,
    sink_type: row.type,
    url: row.type === 'webhook' ? row.target : null,
    subject: row.type === 'nats' ? row.target : null,
    path: row.type === 'file' ? row.target : null,
    batch_size: row.batch_size,
    max_failures: row.max_failures,
    state: row.state,
    position: row.position,
    lag: lag.versions,
    lag_seconds: lag.seconds,
    failures: row.failures,
    last_error: row.last_error,
    last_delivered_at: row.last_delivered_at,
    next_attempt_at: row.next_attempt_at,
    created_at: row.created_at,
  };
}
