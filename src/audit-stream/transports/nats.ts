import type { NatsConnection } from 'nats';
import type { AuditRecord } from '../records';
import { DeliveryError, Transport } from './transport';

/**
 * One connection to the NATS server (SANDBASE_AUDIT_STREAM_NATS_URL) for
 * every nats sink of this instance, opened at the first delivery and again
 * after it closed.
 */
export class NatsConnections {
  private connection: Promise<NatsConnection> | null = null;

  constructor(private readonly url: string | null) {}

  get(): Promise<NatsConnection> {
    if (this.url === null) return Promise.reject(new DeliveryError('nats sinks are off: SANDBASE_AUDIT_STREAM_NATS_URL is not set'));
    if (!this.connection) {
      // Required here, not at the top: an instance without nats sinks never loads the client.
      const { connect } = require('nats') as typeof import('nats');
      const opening = connect({ servers: this.url, name: 'sandbase-audit-stream', timeout: 5000, maxReconnectAttempts: -1 });
      this.connection = opening;
      opening.then(
        (nc) => void nc.closed().then(() => this.connection === opening && (this.connection = null)),
        () => this.connection === opening && (this.connection = null),
      );
    }
    return this.connection;
  }

  async close(): Promise<void> {
    const opening = this.connection;
    this.connection = null;
    await opening?.then((nc) => nc.drain()).catch(() => undefined);
  }
}

/**
 * Publishes each record to a JetStream subject with the record id as the
 * message id (JetStream drops a duplicate within its window); acknowledged
 * once the stream stored every record. The subject must belong to a stream.
 */
export class NatsTransport implements Transport {
  constructor(
    private readonly connections: NatsConnections,
    private readonly subject: string,
    private readonly timeoutMs: number,
  ) {}

  async deliver(records: readonly AuditRecord[]): Promise<void> {
    let js;
    try {
      js = (await this.connections.get()).jetstream({ timeout: this.timeoutMs });
    } catch (error) {
      throw error instanceof DeliveryError ? error : new DeliveryError(`connecting to NATS failed: ${(error as Error).message}`);
    }
    const encoder = new TextEncoder();
    try {
      // One at a time: a client-side retry of one publish can never overtake the next.
      for (const record of records) await js.publish(this.subject, encoder.encode(JSON.stringify(record)), { msgID: record.id });
    } catch (error) {
      throw new DeliveryError(`publishing to ${this.subject} failed: ${(error as Error).message}`);
    }
  }
}
