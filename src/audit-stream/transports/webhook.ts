import { createHmac } from 'node:crypto';
import type { AuditRecord } from '../records';
import { DeliveryError, Transport } from './transport';

/** The part of a `whsec_...` secret that is the HMAC key (Standard Webhooks). */
function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, as Standard Webhooks receivers verify it. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * POSTs a batch as `{"type": "audit_records", "records": [...]}`, signed
 * Standard-Webhooks style; `webhook-id` is the first record's id. Any 2xx
 * within `timeoutMs` acknowledges the batch.
 */
export class WebhookTransport implements Transport {
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly timeoutMs: number,
  ) {}

  async deliver(records: readonly AuditRecord[]): Promise<void> {
    const body = JSON.stringify({ type: 'audit_records', records });
    const id = records[0].id;
    const timestamp = Math.floor(Date.now() / 1000);
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(this.secret, id, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new DeliveryError(`POST ${this.url} failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
    await response.body?.cancel().catch(() => undefined);
    if (response.status < 200 || response.status > 299) throw new DeliveryError(`POST ${this.url} answered ${response.status}`);
  }
}
