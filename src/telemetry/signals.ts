import { channel } from 'node:diagnostics_channel';

/**
 * What the write path reports for the metrics, without knowing who counts:
 * each signal is a Node diagnostics channel, published only while someone
 * subscribes (src/metrics does, per application). Nothing here imports the
 * rest of src, so the event store and the features may call it.
 */
export const CHANNELS = {
  eventsAppended: channel('sandbase:events-appended'),
  versionClashRetry: channel('sandbase:version-clash-retry'),
  idempotentReplay: channel('sandbase:idempotent-replay'),
  auditStream: channel('sandbase:audit-stream'),
} as const;

/** What the audit stream's deliverer reports of one sink: records delivered, a failed delivery, or how far behind it is. */
export type AuditStreamSignal =
  | { kind: 'delivered'; sink: string; records: number }
  | { kind: 'failed'; sink: string }
  | { kind: 'lag'; sink: string; versions: number; seconds: number }
  | { kind: 'gone'; sink: string };

export interface EventsAppended {
  types: readonly string[];
}

export interface VersionClashRetry {
  /** The kind of stream whose version was taken by another writer, e.g. `environment`. */
  stream: string;
}

export const signals = {
  /** Events appended to the log in a write transaction (before its COMMIT). */
  eventsAppended(events: readonly { event: { type: string } }[]): void {
    if (CHANNELS.eventsAppended.hasSubscribers) {
      CHANNELS.eventsAppended.publish({ types: events.map(({ event }) => event.type) } satisfies EventsAppended);
    }
  },
  /** A command lost the race for a stream version and is retried against the new state. */
  versionClashRetry(stream: string): void {
    if (CHANNELS.versionClashRetry.hasSubscribers) CHANNELS.versionClashRetry.publish({ stream } satisfies VersionClashRetry);
  },
  /** A POST with an Idempotency-Key was answered with the stored answer of an earlier request. */
  idempotentReplay(): void {
    if (CHANNELS.idempotentReplay.hasSubscribers) CHANNELS.idempotentReplay.publish({});
  },
  /** The audit stream delivered to a sink, failed to, or measured its lag. */
  auditStream(signal: AuditStreamSignal): void {
    if (CHANNELS.auditStream.hasSubscribers) CHANNELS.auditStream.publish(signal);
  },
  /** True when someone counts the audit stream's signals (measuring a sink's lag costs two queries). */
  auditStreamWatched(): boolean {
    return CHANNELS.auditStream.hasSubscribers;
  },
};
