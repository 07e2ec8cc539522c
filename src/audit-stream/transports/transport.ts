import type { AuditRecord } from '../records';

/** One sink's way of handing records over: resolves once the sink acknowledged all of them, rejects otherwise. */
export interface Transport {
  deliver(records: readonly AuditRecord[]): Promise<void>;
}

/** A failure the sink reported (an HTTP status, a refused publish): its message becomes the sink's last_error. */
export class DeliveryError extends Error {}
