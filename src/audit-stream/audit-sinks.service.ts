import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { CLOCK, Clock } from '../common/clock';
import { randomBase62 } from '../common/ids';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Database, DATABASE } from '../database/database';
import type { ChangeContext } from '../event-store/event-store';
import { AuditSinkError, AuditSinkErrorCode } from './domain/errors';
import { decideSinkSettings, SINKS_PER_ORGANIZATION, SinkInput } from './domain/sink';
import { chainHead, chainSeqOfEvent, firstChainSeqAt, recordedAtOf } from './records';
import { AuditSinkResource, presentAuditSink, SinkLag } from './resources/audit-sink.resource';
import { countSinks, deleteSink, findSink, insertSink, listSinks, organizationOfSink, replaySink, resumeSink, SinkRow } from './sink-store';

/** Who acts for an organization: its id and the change context of the request. */
export interface Acting extends ChangeContext {
  organizationId: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
const { InvalidRequest, AuditSinkNotFound } = AuditSinkErrorCode;

export const newAuditSinkId = (): string => `sink_${randomBase62()}`;
/** A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes (the HMAC key). */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * The organizations' audit sinks (admin API). The sinks are operational
 * rows, not events: each change is logged with who made it (key, request,
 * address), and the deliverer (AuditStreamDeliverer) does the rest.
 */
@Injectable()
export class AuditSinksService {
  private readonly logger = new Logger('AuditSinks');

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(acting: Acting, input: SinkInput): Promise<{ sink: AuditSinkResource; secret: string | null }> {
    const settings = decideSinkSettings(input);
    if (settings.type === 'file' && this.config.auditStream.fileDir === null) {
      throw new AuditSinkError(InvalidRequest, 'file sinks are off on this server: the operator has not set SANDBASE_AUDIT_STREAM_FILE_DIR');
    }
    if (settings.type === 'nats' && this.config.auditStream.natsUrl === null) {
      throw new AuditSinkError(InvalidRequest, 'nats sinks are off on this server: the operator has not set SANDBASE_AUDIT_STREAM_NATS_URL');
    }
    const secret = settings.type === 'webhook' ? newWebhookSecret() : null;
    const row = await this.db.transaction(async (tx) => {
      await tx.lockKey(`sandbase:audit-sinks:${acting.organizationId}`);
      if ((await countSinks(tx, acting.organizationId)) >= SINKS_PER_ORGANIZATION) {
        throw new AuditSinkError(InvalidRequest, `an organization has at most ${SINKS_PER_ORGANIZATION} audit sinks; delete one first`);
      }
      const created: SinkRow = {
        id: newAuditSinkId(),
        organization_id: acting.organizationId,
        ...settings,
        secret,
        created_at: this.clock.now(),
        created_by: JSON.stringify(acting.actor),
        position: 0,
        generation: 1,
        state: 'active',
        failures: 0,
        last_error: null,
        last_delivered_at: null,
        next_attempt_at: null,
        lease_owner: null,
        lease_expires_at: null,
      };
      await insertSink(tx, created);
      return created;
    });
    this.record(acting, 'created', row.id, { sink_type: row.type, target: row.target });
    return { sink: await this.present(row), secret };
  }

  async list(organizationId: string): Promise<AuditSinkResource[]> {
    const rows = await listSinks(this.db, organizationId);
    return Promise.all(rows.map((row) => this.present(row)));
  }

  async get(organizationId: string, id: string): Promise<AuditSinkResource> {
    return this.present(await this.require(organizationId, id));
  }

  async delete(acting: Acting, id: string): Promise<void> {
    if (!(await deleteSink(this.db, acting.organizationId, id))) throw this.notFound(id);
    this.record(acting, 'deleted', id);
  }

  /** Active again, continuing from its position. */
  async resume(acting: Acting, id: string): Promise<AuditSinkResource> {
    if (!(await resumeSink(this.db, acting.organizationId, id))) throw this.notFound(id);
    this.record(acting, 'resumed', id);
    return this.get(acting.organizationId, id);
  }

  /** Delivers again from `from` (an event id, a version id or an RFC 3339 time) on. */
  async replay(acting: Acting, id: string, from: string): Promise<AuditSinkResource> {
    await this.require(acting.organizationId, id);
    let first: number;
    if (RFC3339.test(from) && !Number.isNaN(Date.parse(from))) {
      first = await firstChainSeqAt(this.db, acting.organizationId, new Date(from).toISOString());
    } else {
      const seq = from.length <= 64 ? await chainSeqOfEvent(this.db, acting.organizationId, from) : null;
      if (seq === null) throw new AuditSinkError(InvalidRequest, 'from must be an RFC 3339 time, or the id of an event or version of this organization');
      first = seq;
    }
    if (!(await replaySink(this.db, acting.organizationId, id, first - 1))) throw this.notFound(id);
    this.record(acting, 'replayed', id, { from, position: first - 1 });
    return this.get(acting.organizationId, id);
  }

  /** The organization of a sink (for the CLI, which names sinks by id alone). */
  async organizationOf(id: string): Promise<string> {
    const organizationId = await organizationOfSink(this.db, id);
    if (organizationId === null) throw this.notFound(id);
    return organizationId;
  }

  private async require(organizationId: string, id: string): Promise<SinkRow> {
    const row = await findSink(this.db, organizationId, id);
    if (!row) throw this.notFound(id);
    return row;
  }

  private notFound(id: string): AuditSinkError {
    return new AuditSinkError(AuditSinkNotFound, `No audit sink ${id} in this organization`);
  }

  private async present(row: SinkRow): Promise<AuditSinkResource> {
    return presentAuditSink(row, await sinkLag(this.db, row, this.clock.now()));
  }

  /** The change, who made it, in which request, from where: in the service log (sinks are not events). */
  private record(acting: Acting, action: string, id: string, details: Record<string, unknown> = {}): void {
    this.logger.log({
      msg: `audit sink ${id} ${action}`,
      audit_sink_id: id,
      action,
      organization_id: acting.organizationId,
      actor: acting.actor,
      request_id: acting.requestId,
      source: acting.source ?? null,
      ...details,
    });
  }
}

/** How far behind a sink is (also the deliverer's metrics). */
export async function sinkLag(db: Database, row: SinkRow, now: string): Promise<SinkLag> {
  const head = await chainHead(db, row.organization_id);
  const versions = Math.max(0, head - row.position);
  if (versions === 0) return { versions, seconds: 0 };
  const oldest = await recordedAtOf(db, row.organization_id, row.position + 1);
  return { versions, seconds: oldest === null ? 0 : Math.max(0, (Date.parse(now) - Date.parse(oldest)) / 1000) };
}
