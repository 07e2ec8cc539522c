import { Inject, Injectable } from '@nestjs/common';
import { hashApiKey } from '../auth/api-keys.service';
import { WORKER_SECRET_PREFIXES } from '../auth/worker-credentials';
import { CLOCK, Clock } from '../common/clock';
import { randomBase62, timeOrderedId } from '../common/ids';
import type { PagePosition } from '../common/page-cursor';
import { Database, DATABASE } from '../database/database';
import { applyMetadataPatch } from '../environments/domain/rules';
import { WorkExecutor } from './commands/work.executor';
import { WorkError, WorkErrorCode } from './domain/errors';
import { clampTtl, decideAck, decideClaim, decideMetadata, decideStart, decideStop, LEASE_TTL, WorkDataType, WorkItem } from './domain/work';
import { Acting } from './environment-keys.service';
import { requireActiveSelfHosted, requireEnvironment } from './environment-access';
import { deleteLease, extendLease, findLease, findWork, listWork, nextClaimable, queueStats, recordPoller, WorkRecord, writeLease } from './projections/work.read-model';
import { LeaseState, presentWork, WorkResource } from './resources/work.resource';
import { listWorkHistory, WorkHistoryFilter } from './projections/work-history.read-model';
import type { HistoryPosition } from '../organizations/history/history.read-model';
import { WorkSignals } from './work-signals';

export const newWorkId = (): string => `work_${timeOrderedId()}`;

/** Poll defaults and bounds (the SDK caps block_ms at 999). */
export const POLL = { maxBlockMs: 999, defaultReclaimMs: 5000, recheckMs: 100 } as const;
/** `workers_polling` counts worker ids seen in this window; each instance records a worker id at most once per `recordEveryMs`. */
export const POLLERS = { windowMs: 30_000, recordEveryMs: 5000 } as const;

export interface PollOptions {
  blockMs: number;
  reclaimOlderThanMs: number;
  workerId: string | null;
}

const plusMs = (time: string, ms: number) => new Date(Date.parse(time) + ms).toISOString();
const notFound = (id: string) => new WorkError(WorkErrorCode.WorkNotFound, `No work item ${id} in this environment`);

/** The answer to a heartbeat, from an item and its lease. */
function leaseState(record: WorkRecord, extended: boolean): LeaseState {
  return {
    last_heartbeat: record.lease?.last_heartbeat ?? null,
    lease_extended: extended,
    state: record.item.state,
    ttl_seconds: record.lease?.ttl_seconds ?? LEASE_TTL.default,
  };
}

function preconditionFailed(record: WorkRecord): WorkError {
  return new WorkError(
    WorkErrorCode.HeartbeatPreconditionFailed,
    `expected_last_heartbeat does not match the last heartbeat of work item ${record.item.id}`,
  ).withDetails({ current_state: leaseState(record, false) });
}

/**
 * The work queue of self-hosted environments: enqueue, poll (claims under
 * the organization's log lock, so no item goes to two pollers), ack,
 * heartbeat (leases), stop, and the reads.
 */
@Injectable()
export class WorkQueueService {
  /** When this instance last recorded each environment's worker id. */
  private readonly pollersNoted = new Map<string, number>();

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly executor: WorkExecutor,
    private readonly signals: WorkSignals,
  ) {}

  async enqueue(acting: Acting, environmentId: string, data: { type: WorkDataType; id: string }, metadata: unknown): Promise<WorkResource> {
    const checked = metadata === undefined ? {} : applyMetadataPatch({}, metadata);
    const id = newWorkId();
    const item = await this.executor.work(
      acting.organizationId,
      id,
      async (_state, tx, now) => {
        await requireActiveSelfHosted(tx, acting.organizationId, environmentId);
        const enqueued = { work_id: id, organization_id: acting.organizationId, environment_id: environmentId, data, metadata: checked, created_at: now };
        return [{ type: 'WorkEnqueued' as const, data: enqueued }];
      },
      acting,
    );
    this.signals.notify(environmentId);
    return presentWork(this.required(item, id));
  }

  /**
   * The oldest claimable item, claimed for this poll (pending until acked),
   * with a new work secret; waits up to `blockMs` for one. Null if none.
   */
  async poll(acting: Acting, environmentId: string, options: PollOptions, aborted: () => boolean): Promise<WorkResource | null> {
    if (options.workerId !== null) await this.notePoller(environmentId, options.workerId);
    const deadline = Date.now() + options.blockMs;
    for (;;) {
      const claimed = await this.tryClaim(acting, environmentId, options);
      if (claimed) return claimed;
      const left = deadline - Date.now();
      if (left <= 0 || aborted()) return null;
      await this.signals.wait(environmentId, Math.min(left, POLL.recheckMs));
    }
  }

  /** A claim of the oldest claimable item, chosen under the organization's lock; a cheap read first spares the lock when there is none. */
  private async tryClaim(acting: Acting, environmentId: string, options: PollOptions): Promise<WorkResource | null> {
    const reclaimBefore = (now: string) => plusMs(now, -options.reclaimOlderThanMs);
    if (!(await nextClaimable(this.db, environmentId, reclaimBefore(this.clock.now())))) return null;
    const secret = `${WORKER_SECRET_PREFIXES.work_secret}${randomBase62(40)}`;
    const secretHash = hashApiKey(secret);
    const item = await this.executor.pickAndDecide(
      acting.organizationId,
      (tx, now) => nextClaimable(tx, environmentId, reclaimBefore(now)),
      (candidate, now) => decideClaim(candidate, { workerId: options.workerId, now, secretHash, reclaimBefore: reclaimBefore(now) }),
      acting,
    );
    if (!item) return null;
    const token = Buffer.from(JSON.stringify({ sessions_token: secret })).toString('base64url');
    return presentWork(item, null, token);
  }

  private async notePoller(environmentId: string, workerId: string): Promise<void> {
    const key = `${environmentId}/${workerId}`;
    const at = Date.now();
    const last = this.pollersNoted.get(key);
    if (last !== undefined && at - last < POLLERS.recordEveryMs) return;
    if (this.pollersNoted.size >= 10_000) this.pollersNoted.clear();
    this.pollersNoted.set(key, at);
    await recordPoller(this.db, environmentId, workerId, this.clock.now());
  }

  async ack(acting: Acting, environmentId: string, workId: string): Promise<WorkResource> {
    const item = await this.executor.work(
      acting.organizationId,
      workId,
      async (state, tx, now) => {
        const events = decideAck(this.inEnvironment(state, acting.organizationId, environmentId), workId, now);
        if (events.length) {
          // Acknowledged and not yet heartbeating: the default lease runs from now.
          await writeLease(tx, { work_id: workId, organization_id: acting.organizationId, last_heartbeat: null, ttl_seconds: LEASE_TTL.default, lease_expires_at: plusMs(now, LEASE_TTL.default * 1000) });
        }
        return events;
      },
      acting,
    );
    return this.answer(environmentId, this.required(item, workId));
  }

  /**
   * Extends the lease if `expected` (null: no heartbeat yet; undefined: no
   * precondition) is the last heartbeat. The first accepted heartbeat starts
   * the item (an event); later ones only move the lease row.
   */
  async heartbeat(acting: Acting, environmentId: string, workId: string, expected: string | null | undefined, desiredTtl: number | undefined): Promise<LeaseState> {
    const record = await findWork(this.db, environmentId, workId);
    if (!record) throw notFound(workId);
    const { state } = record.item;
    if (state === 'queued') throw new WorkError(WorkErrorCode.WorkNotStarted, `Work item ${workId} is queued: acknowledge it before heartbeating`);
    if (state === 'stopping' || state === 'stopped') return leaseState(record, false);
    const current = record.lease?.last_heartbeat ?? null;
    if (expected !== undefined && expected !== current) throw preconditionFailed(record);
    const ttl = clampTtl(desiredTtl);
    if (state === 'starting') {
      const started = await this.start(acting, environmentId, workId, expected, ttl);
      if (started) return started;
    } else {
      const now = this.clock.now();
      const beat = current !== null && now <= current ? plusMs(current, 1) : now;
      const next = { last_heartbeat: beat, ttl_seconds: ttl, lease_expires_at: plusMs(beat, ttl * 1000) };
      if (current !== null && (await extendLease(this.db, workId, current, next))) {
        return { last_heartbeat: beat, lease_extended: true, state: 'active', ttl_seconds: ttl };
      }
    }
    // Lost a race with another heartbeat or a stop: answer as the item is now.
    const now = await findWork(this.db, environmentId, workId);
    if (!now) throw notFound(workId);
    if (now.item.state === 'stopping' || now.item.state === 'stopped') return leaseState(now, false);
    throw preconditionFailed(now);
  }

  /** The first heartbeat, under the organization's lock: WorkStarted and the lease, in one transaction. Null if the item moved on. */
  private async start(acting: Acting, environmentId: string, workId: string, expected: string | null | undefined, ttl: number): Promise<LeaseState | null> {
    let answer: LeaseState | null = null;
    await this.executor.work(
      acting.organizationId,
      workId,
      async (state, tx, now) => {
        const item = this.inEnvironment(state, acting.organizationId, environmentId);
        if (item?.state !== 'starting') return [];
        const lease = await findLease(tx, workId);
        if (expected !== undefined && expected !== (lease?.last_heartbeat ?? null)) return [];
        await writeLease(tx, { work_id: workId, organization_id: acting.organizationId, last_heartbeat: now, ttl_seconds: ttl, lease_expires_at: plusMs(now, ttl * 1000) });
        answer = { last_heartbeat: now, lease_extended: true, state: 'active', ttl_seconds: ttl };
        return decideStart(item, workId, now);
      },
      acting,
    );
    return answer;
  }

  async stop(acting: Acting, environmentId: string, workId: string, force: boolean): Promise<WorkResource> {
    await requireEnvironment(this.db, acting.organizationId, environmentId);
    const item = await this.executor.work(
      acting.organizationId,
      workId,
      async (state, tx, now) => {
        // A worker stopping its own item is done with it; an API key's graceful stop asks the worker to stop.
        const mode = force ? 'force' : acting.actor.type === 'api_actor' ? 'request' : 'end';
        const events = decideStop(this.inEnvironment(state, acting.organizationId, environmentId), workId, mode, now);
        if (events.some((event) => event.type === 'WorkStopped')) await deleteLease(tx, workId);
        return events;
      },
      acting,
    );
    return this.answer(environmentId, this.required(item, workId));
  }

  async updateMetadata(acting: Acting, environmentId: string, workId: string, patch: unknown): Promise<WorkResource> {
    await requireEnvironment(this.db, acting.organizationId, environmentId);
    const item = await this.executor.work(
      acting.organizationId,
      workId,
      (state, _tx) => {
        const current = this.inEnvironment(state, acting.organizationId, environmentId);
        if (!current) throw notFound(workId);
        return decideMetadata(current, workId, applyMetadataPatch(current.metadata, patch));
      },
      acting,
    );
    return this.answer(environmentId, this.required(item, workId));
  }

  async retrieve(organizationId: string, environmentId: string, workId: string): Promise<WorkResource> {
    const record = await findWork(this.db, environmentId, workId);
    if (!record || record.item.organization_id !== organizationId) {
      await requireEnvironment(this.db, organizationId, environmentId);
      throw notFound(workId);
    }
    return presentWork(record.item, record.lease?.last_heartbeat ?? null);
  }

  async list(environmentId: string, after: PagePosition | null, limit: number): Promise<{ data: WorkResource[]; next_page: string | null }> {
    const page = await listWork(this.db, environmentId, after, limit);
    return { data: page.records.map((r) => presentWork(r.item, r.lease?.last_heartbeat ?? null)), next_page: page.next_page };
  }

  async stats(organizationId: string, environmentId: string) {
    await requireEnvironment(this.db, organizationId, environmentId);
    const stats = await queueStats(this.db, environmentId, plusMs(this.clock.now(), -POLLERS.windowMs));
    return { type: 'work_queue_stats' as const, depth: stats.depth, pending: stats.pending, oldest_queued_at: stats.oldest_queued_at, workers_polling: stats.workers || null };
  }

  history(organizationId: string, filter: WorkHistoryFilter, after: HistoryPosition | null, limit: number) {
    return listWorkHistory(this.db, organizationId, filter, after, limit);
  }

  /** The item, if it is of this organization's environment (else, for the caller, there is no such item). */
  private inEnvironment(state: WorkItem | null, organizationId: string, environmentId: string): WorkItem | null {
    return state && state.environment_id === environmentId && state.organization_id === organizationId ? state : null;
  }

  private required(item: WorkItem | null, id: string): WorkItem {
    if (!item) throw notFound(id);
    return item;
  }

  /** The item with its lease's last heartbeat, as every answer but a poll's shows it. */
  private async answer(environmentId: string, item: WorkItem): Promise<WorkResource> {
    const lease = await findLease(this.db, item.id);
    return presentWork(item, lease?.last_heartbeat ?? null);
  }
}
