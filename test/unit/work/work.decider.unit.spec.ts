import { WorkError } from '../../../src/work/domain/errors';
import { decideRevoke, evolveEnvironmentKey } from '../../../src/work/domain/environment-key';
import {
  clampTtl,
  decideAck,
  decideClaim,
  decideLeaseExpiry,
  decideMetadata,
  decideStart,
  decideStop,
  evolveWork,
  isClaimable,
  WorkEvent,
  WorkItem,
} from '../../../src/work/domain/work';

const T0 = '2026-12-01T10:00:00.000Z';
const T1 = '2026-12-01T10:00:01.000Z';
const T2 = '2026-12-01T10:00:02.000Z';

function fold(events: WorkEvent[]): WorkItem {
  let state: WorkItem | null = null;
  for (const event of events) state = evolveWork(state, event);
  if (!state) throw new Error('no item');
  return state;
}

const enqueued: WorkEvent = {
  type: 'WorkEnqueued',
  data: { work_id: 'work_1', organization_id: 'org_1', environment_id: 'env_1', data: { type: 'session', id: 'session_1' }, metadata: { a: '1' }, created_at: T0 },
};
const queued = () => fold([enqueued]);
const claim = (item: WorkItem, now = T1, reclaimBefore = T0) => decideClaim(item, { workerId: 'w1', now, secretHash: 'h1', reclaimBefore });
function expectCode(run: () => unknown, code: string): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WorkError);
    expect((error as WorkError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('work item decisions', () => {
  it('enqueues as queued, version 1, unclaimed', () => {
    expect(queued()).toMatchObject({ state: 'queued', version: 1, claimed_at: null, data_type: 'session', data_id: 'session_1', metadata: { a: '1' } });
  });

  it('claims an unclaimed item, and reclaims only a claim older than the bound', () => {
    const events = claim(queued());
    expect(events).toEqual([{ type: 'WorkClaimed', data: { work_id: 'work_1', worker_id: 'w1', claimed_at: T1, secret_hash: 'h1', reclaimed: false } }]);
    const claimed = fold([enqueued, ...events]);
    expect(claimed).toMatchObject({ state: 'queued', claimed_at: T1, claimed_by: 'w1', secret_hash: 'h1', version: 2 });
    expect(isClaimable(claimed, T1)).toBe(false);
    expect(claim(claimed, T2, T1)).toEqual([]);
    const again = claim(claimed, T2, T2);
    expect(again).toHaveLength(1);
    expect(again[0].data).toMatchObject({ reclaimed: true });
  });

  it('acks a queued item once; a second ack decides nothing; a stopped item is a conflict', () => {
    const acked = fold([enqueued, ...decideAck(queued(), 'work_1', T1)]);
    expect(acked).toMatchObject({ state: 'starting', acknowledged_at: T1 });
    expect(decideAck(acked, 'work_1', T2)).toEqual([]);
    const stopped = fold([enqueued, ...decideStop(queued(), 'work_1', 'request', T1)]);
    expectCode(() => decideAck(stopped, 'work_1', T2), 'work_stopped');
    expectCode(() => decideAck(null, 'work_x', T2), 'work_not_found');
  });

  it('starts on the first heartbeat only from starting; a queued item cannot heartbeat', () => {
    expectCode(() => decideStart(queued(), 'work_1', T1), 'work_not_started');
    const acked = fold([enqueued, ...decideAck(queued(), 'work_1', T1)]);
    const active = fold([enqueued, ...decideAck(queued(), 'work_1', T1), ...decideStart(acked, 'work_1', T2)]);
    expect(active).toMatchObject({ state: 'active', started_at: T2 });
    expect(decideStart(active, 'work_1', T2)).toEqual([]);
  });

  it('stops gracefully (an API key asks, the worker ends), then forcibly; a queued item stops at once; stopping twice is a conflict', () => {
    const acked = fold([enqueued, ...decideAck(queued(), 'work_1', T1)]);
    const graceful = decideStop(acked, 'work_1', 'request', T2);
    expect(graceful[0].type).toBe('WorkStopRequested');
    const stopping = fold([enqueued, ...decideAck(queued(), 'work_1', T1), ...graceful]);
    expect(stopping).toMatchObject({ state: 'stopping', stop_requested_at: T2 });
    const second = decideStop(stopping, 'work_1', 'request', T2);
    expect(second[0]).toMatchObject({ type: 'WorkStopped', data: { reason: 'stopped' } });
    expect(decideStop(acked, 'work_1', 'force', T2)[0]).toMatchObject({ type: 'WorkStopped', data: { reason: 'forced' } });
    expect(decideStop(queued(), 'work_1', 'request', T2)[0]).toMatchObject({ type: 'WorkStopped' });
    // The worker's own stop ends a running item at once.
    expect(decideStop(acked, 'work_1', 'end', T2)[0]).toMatchObject({ type: 'WorkStopped', data: { reason: 'stopped' } });
    const stopped = fold([enqueued, ...decideStop(queued(), 'work_1', 'request', T1)]);
    expect(stopped).toMatchObject({ state: 'stopped', stopped_at: T1, stop_reason: 'stopped' });
    expectCode(() => decideStop(stopped, 'work_1', 'force', T2), 'work_stopped');
  });

  it('expires a lease of a running item only', () => {
    const acked = fold([enqueued, ...decideAck(queued(), 'work_1', T1)]);
    expect(decideLeaseExpiry(acked, 'work_1', T2, null)).toEqual([
      { type: 'WorkStopped', data: { work_id: 'work_1', stopped_at: T2, reason: 'lease_expired', last_heartbeat: null } },
    ]);
    expect(decideLeaseExpiry(queued(), 'work_1', T2, null)).toEqual([]);
    expect(decideLeaseExpiry(null, 'work_1', T2, null)).toEqual([]);
  });

  it('records a metadata change only when it changes something', () => {
    expect(decideMetadata(queued(), 'work_1', { a: '1' })).toEqual([]);
    expect(fold([enqueued, ...decideMetadata(queued(), 'work_1', { b: '2' })]).metadata).toEqual({ b: '2' });
  });

  it('clamps a lease TTL to 10-600 s, 90 by default', () => {
    expect([clampTtl(undefined), clampTtl(null), clampTtl(0), clampTtl(10), clampTtl(300), clampTtl(601), clampTtl(1e9)]).toEqual([90, 90, 10, 10, 300, 600, 600]);
  });

  it('refuses an event for an item never enqueued', () => {
    expect(() => evolveWork(null, { type: 'WorkAcknowledged', data: { work_id: 'w', acknowledged_at: T0 } })).toThrow();
  });
});

describe('environment key decisions', () => {
  it('creates, revokes once', () => {
    const key = evolveEnvironmentKey(null, {
      type: 'EnvironmentKeyCreated',
      data: { environment_key_id: 'envkey_1', organization_id: 'org_1', environment_id: 'env_1', name: null, key_hash: 'h', key_hint: 'x', created_at: T0 },
    });
    expect(key).toMatchObject({ id: 'envkey_1', revoked_at: null, version: 1 });
    const events = decideRevoke(key!, T1, 'revoked');
    const revoked = evolveEnvironmentKey(key, events[0]);
    expect(revoked).toMatchObject({ revoked_at: T1, version: 2 });
    expect(decideRevoke(revoked!, T2, 'revoked')).toEqual([]);
  });
});
