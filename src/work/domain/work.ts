/**
 * A work item of a self-hosted environment: a unit of work (a session, a
 * health check) queued for the environment's workers, claimed by a poll,
 * acknowledged, kept alive by heartbeats and stopped. Pure: state, events,
 * evolve and the decisions of every call.
 */
import { WorkError, WorkErrorCode } from './errors';

export type WorkState = 'queued' | 'starting' | 'active' | 'stopping' | 'stopped';
export type WorkDataType = 'session' | 'healthcheck';
export type StopReason = 'stopped' | 'forced' | 'lease_expired';

export interface WorkItem {
  id: string;
  organization_id: string;
  environment_id: string;
  state: WorkState;
  data_type: WorkDataType;
  data_id: string;
  metadata: Record<string, string>;
  created_at: string;
  /** The current claim of a queued item (pending until acknowledged); null while unclaimed. */
  claimed_at: string | null;
  claimed_by: string | null;
  /** SHA-256 of the work secret of the latest claim; the secret works until the item is stopped. */
  secret_hash: string | null;
  acknowledged_at: string | null;
  started_at: string | null;
  stop_requested_at: string | null;
  stopped_at: string | null;
  stop_reason: StopReason | null;
  version: number;
}

export type WorkEvent =
  | {
      type: 'WorkEnqueued';
      data: { work_id: string; organization_id: string; environment_id: string; data: { type: WorkDataType; id: string }; metadata: Record<string, string>; created_at: string };
    }
  | { type: 'WorkClaimed'; data: { work_id: string; worker_id: string | null; claimed_at: string; secret_hash: string; reclaimed: boolean } }
  | { type: 'WorkAcknowledged'; data: { work_id: string; acknowledged_at: string } }
  | { type: 'WorkStarted'; data: { work_id: string; started_at: string } }
  | { type: 'WorkStopRequested'; data: { work_id: string; stop_requested_at: string } }
  | { type: 'WorkStopped'; data: { work_id: string; stopped_at: string; reason: StopReason; last_heartbeat?: string | null } }
  | { type: 'WorkMetadataUpdated'; data: { work_id: string; metadata: Record<string, string> } };

export const WORK_EVENT_TYPES: readonly WorkEvent['type'][] = [
  'WorkEnqueued',
  'WorkClaimed',
  'WorkAcknowledged',
  'WorkStarted',
  'WorkStopRequested',
  'WorkStopped',
  'WorkMetadataUpdated',
];

export const workStreamId = (workId: string): string => `work-${workId}`;

/** Heartbeat leases: the TTL a worker may ask for is clamped to these bounds; without one, the default. */
export const LEASE_TTL = { min: 10, max: 600, default: 90 } as const;

export function clampTtl(desired: number | null | undefined): number {
  if (desired === null || desired === undefined) return LEASE_TTL.default;
  return Math.min(LEASE_TTL.max, Math.max(LEASE_TTL.min, Math.round(desired)));
}

export function evolveWork(state: WorkItem | null, event: WorkEvent): WorkItem | null {
  if (event.type === 'WorkEnqueued') {
    const d = event.data;
    return {
      id: d.work_id,
      organization_id: d.organization_id,
      environment_id: d.environment_id,
      state: 'queued',
      data_type: d.data.type,
      data_id: d.data.id,
      metadata: d.metadata,
      created_at: d.created_at,
      claimed_at: null,
      claimed_by: null,
      secret_hash: null,
      acknowledged_at: null,
      started_at: null,
      stop_requested_at: null,
      stopped_at: null,
      stop_reason: null,
      version: 1,
    };
  }
  if (!state) throw new Error(`${event.type} for a work item that was never enqueued`);
  const next = { ...state, version: state.version + 1 };
  switch (event.type) {
    case 'WorkClaimed':
      return { ...next, claimed_at: event.data.claimed_at, claimed_by: event.data.worker_id, secret_hash: event.data.secret_hash };
    case 'WorkAcknowledged':
      return { ...next, state: 'starting', acknowledged_at: event.data.acknowledged_at };
    case 'WorkStarted':
      return { ...next, state: 'active', started_at: event.data.started_at };
    case 'WorkStopRequested':
      return { ...next, state: 'stopping', stop_requested_at: event.data.stop_requested_at };
    case 'WorkStopped':
      return { ...next, state: 'stopped', stopped_at: event.data.stopped_at, stop_reason: event.data.reason };
    case 'WorkMetadataUpdated':
      return { ...next, metadata: event.data.metadata };
    default: {
      const unknownEvent: never = event;
      throw new Error(`Unhandled work event ${JSON.stringify(unknownEvent)}`);
    }
  }
}

const notFound = (id: string) => new WorkError(WorkErrorCode.WorkNotFound, `No work item ${id} in this environment`);
const alreadyStopped = (id: string) => new WorkError(WorkErrorCode.WorkStopped, `Work item ${id} is stopped`);

/** Whether a poll may hand out this item: queued, and unclaimed or claimed longer ago than the reclaim bound. */
export function isClaimable(item: WorkItem, reclaimBefore: string): boolean {
  return item.state === 'queued' && (item.claimed_at === null || item.claimed_at < reclaimBefore);
}

export function decideClaim(item: WorkItem, claim: { workerId: string | null; now: string; secretHash: string; reclaimBefore: string }): WorkEvent[] {
  if (!isClaimable(item, claim.reclaimBefore)) return [];
  return [
    {
      type: 'WorkClaimed',
      data: { work_id: item.id, worker_id: claim.workerId, claimed_at: claim.now, secret_hash: claim.secretHash, reclaimed: item.claimed_at !== null },
    },
  ];
}

/** Ack: a queued item (claimed or not) starts; an item already acknowledged is answered again; a stopped one is a conflict. */
export function decideAck(item: WorkItem | null, id: string, now: string): WorkEvent[] {
  if (!item) throw notFound(id);
  if (item.state === 'stopped') throw alreadyStopped(id);
  if (item.state !== 'queued') return [];
  return [{ type: 'WorkAcknowledged', data: { work_id: id, acknowledged_at: now } }];
}

/** The first accepted heartbeat of an acknowledged item makes it active. */
export function decideStart(item: WorkItem | null, id: string, now: string): WorkEvent[] {
  if (!item) throw notFound(id);
  if (item.state === 'queued') throw new WorkError(WorkErrorCode.WorkNotStarted, `Work item ${id} is queued: acknowledge it before heartbeating`);
  if (item.state !== 'starting') return [];
  return [{ type: 'WorkStarted', data: { work_id: id, started_at: now } }];
}

/**
 * How a stop was asked for: `request` (an API key's graceful stop: a running
 * item is asked to stop and becomes `stopping`), `end` (the item's worker,
 * by its environment key or work secret, is done with it) or `force`.
 */
export type StopMode = 'request' | 'end' | 'force';

/**
 * Stop: a graceful request asks a running item to stop (`stopping`); a second
 * request, the worker's own stop, a forced stop, or a stop of an item that
 * never started ends it (`stopped`).
 */
export function decideStop(item: WorkItem | null, id: string, mode: StopMode, now: string): WorkEvent[] {
  if (!item) throw notFound(id);
  if (item.state === 'stopped') throw alreadyStopped(id);
  if (mode === 'request' && (item.state === 'starting' || item.state === 'active')) {
    return [{ type: 'WorkStopRequested', data: { work_id: id, stop_requested_at: now } }];
  }
  return [{ type: 'WorkStopped', data: { work_id: id, stopped_at: now, reason: mode === 'force' ? 'forced' : 'stopped' } }];
}

/** The service stops an item whose lease ran out; nothing if it stopped meanwhile. */
export function decideLeaseExpiry(item: WorkItem | null, id: string, now: string, lastHeartbeat: string | null): WorkEvent[] {
  if (!item || item.state === 'stopped' || item.state === 'queued') return [];
  return [{ type: 'WorkStopped', data: { work_id: id, stopped_at: now, reason: 'lease_expired', last_heartbeat: lastHeartbeat } }];
}

export function decideMetadata(item: WorkItem | null, id: string, metadata: Record<string, string>): WorkEvent[] {
  if (!item) throw notFound(id);
  if (JSON.stringify(metadata) === JSON.stringify(item.metadata)) return [];
  return [{ type: 'WorkMetadataUpdated', data: { work_id: id, metadata } }];
}
