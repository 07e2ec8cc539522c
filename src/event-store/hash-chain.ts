import { hash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/** The `prev_hash` of an organization's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** What the hash covers: everything an event says, and its place in the organization's chain. */
export interface ChainedEventContent {
  chain_seq: number;
  event_id: string;
  stream_id: string;
  stream_version: number;
  organization_id: string;
  type: string;
  data: unknown;
  metadata: unknown;
  recorded_at: string;
}

/**
 * SHA-256 over the previous event's hash and the canonical encoding of this
 * event. Changing, inserting, removing or reordering any event breaks the
 * chain from that event on.
 */
export function chainHash(prevHash: string, event: ChainedEventContent): string {
  const content = canonicalJson({
    chain_seq: event.chain_seq,
    event_id: event.event_id,
    stream_id: event.stream_id,
    stream_version: event.stream_version,
    organization_id: event.organization_id,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    recorded_at: event.recorded_at,
  });
  // One string, one-shot hash: the same bytes as updating a Hash with each part, for less work per event.
  return hash('sha256', `${prevHash}\n${content}`, 'hex');
}
