import { createHash } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A delivered record as a receiver sees it (docs/audit.md, "Streaming to a SIEM"). */
export interface ReceivedRecord {
  type: 'audit_record';
  id: string;
  organization_id: string;
  chain_seq: number;
  prev_hash: string;
  hash: string;
  event: {
    event_id: string;
    stream_id: string;
    stream_version: number;
    organization_id: string;
    type: string;
    data: unknown;
    metadata: unknown;
    recorded_at: string;
  };
  version: { id: string } | null;
}

/**
 * A webhook receiver as a SIEM's would be: a real HTTP server that verifies
 * every request's signature with the Standard Webhooks library before it
 * takes the records. `fail(n)` answers the next n requests with 500.
 */
export class WebhookReceiver {
  readonly records: ReceivedRecord[] = [];
  readonly badSignatures: string[] = [];
  requests = 0;
  /** How long each request takes to be answered (a slow receiver keeps a delivery under way). */
  delayMs = 0;
  private failuresLeft = 0;
  private server: Server | null = null;
  private secret: string | null = null;

  /** Listens on `port` (0: any free port); resolves to the URL to give the sink. */
  async start(port = 0): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        this.requests++;
        if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
        if (this.failuresLeft > 0) {
          this.failuresLeft--;
          response.writeHead(500).end('failing on purpose');
          return;
        }
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          const payload = this.verify(body, request.headers) as { records: ReceivedRecord[] };
          if (request.headers['webhook-id'] !== payload.records[0].id) throw new Error('webhook-id is not the first record id');
          this.records.push(...payload.records);
          response.writeHead(204).end();
        } catch (error) {
          this.badSignatures.push((error as Error).message);
          response.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/audit`;
  }

  useSecret(secret: string): void {
    this.secret = secret;
  }

  fail(requests: number): void {
    this.failuresLeft = requests;
  }

  private verify(body: string, headers: IncomingHttpHeaders): unknown {
    if (this.secret === null) throw new Error('no secret yet');
    return new Webhook(this.secret).verify(body, headers as Record<string, string>);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Records by id, first arrival kept: what a receiver de-duplicating by id keeps. */
export function deduplicated(records: readonly ReceivedRecord[]): ReceivedRecord[] {
  const seen = new Set<string>();
  return records.filter((record) => !seen.has(record.id) && (seen.add(record.id), true));
}

/** Canonical JSON as docs/audit.md defines it: sorted keys, no whitespace, JSON.stringify's escaping. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).filter((key) => object[key] !== undefined).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(object[key])}`).join(',')}}`;
}

/**
 * The receiver-side check of docs/audit.md, written from the documentation
 * alone: one organization's records, in order, must run 1, 2, 3, ... (or on
 * from `start`), each linking to the hash of the one before, each hash
 * recomputed from the record's own content. Returns the first problem, or
 * null for a complete, unaltered stream.
 */
export function verifyStream(records: readonly ReceivedRecord[], start = { seq: 1, prevHash: '0'.repeat(64) }): string | null {
  let expected = start.seq;
  let prevHash = start.prevHash;
  for (const record of records) {
    if (record.chain_seq !== expected) return `expected chain_seq ${expected}, got ${record.chain_seq} (record ${record.id})`;
    if (record.prev_hash !== prevHash) return `record ${record.id} (chain_seq ${record.chain_seq}) does not link to the record before it`;
    const { event } = record;
    const content = canonical({ chain_seq: record.chain_seq, ...event });
    const hash = createHash('sha256').update(`${record.prev_hash}\n${content}`).digest('hex');
    if (hash !== record.hash) return `record ${record.id} (chain_seq ${record.chain_seq}) was altered: its content does not match its hash`;
    prevHash = record.hash;
    expected++;
  }
  return null;
}
