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
  return chainHashOfEncoded(prevHash, event, canonicalJson(event.data), canonicalJson(event.metadata));
}

/**
 * chainHash with the event's data and metadata already in canonical JSON
 * (an append stores those same texts, so it encodes them once). The
 * content's keys are written in canonicalJson's order, sorted.
 */
export function chainHashOfEncoded(
  prevHash: string,
  event: Omit<ChainedEventContent, 'data' | 'metadata'>,
  dataJson: string,
  metadataJson: string,
): string {
  const content =
    `{"chain_seq":${JSON.stringify(event.chain_seq)},"data":${dataJson},"event_id":${JSON.stringify(event.event_id)}` +
    `,"metadata":${metadataJson},"organization_id":${JSON.stringify(event.organization_id)}` +
    `,"recorded_at":${JSON.stringify(event.recorded_at)},"stream_id":${JSON.stringify(event.stream_id)}` +
    `,"stream_version":${JSON.stringify(event.stream_version)},"type":${JSON.stringify(event.type)}}`;
  // One string, one-shot hash: the same bytes as updating a Hash with each part, for less work per event.
  return hash('sha256', `${prevHash}\n${content}`, 'hex');
}
