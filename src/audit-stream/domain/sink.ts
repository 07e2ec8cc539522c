import { AuditSinkError, AuditSinkErrorCode } from './errors';

/** Where a sink delivers: an HTTP endpoint, a NATS JetStream subject, a file (NDJSON), or the service's standard output. */
export type SinkType = 'webhook' | 'nats' | 'file' | 'stdout';
export const SINK_TYPES: readonly SinkType[] = ['webhook', 'nats', 'file', 'stdout'];
export type SinkState = 'active' | 'paused';

export const BATCH_SIZE = { default: 100, max: 1000 } as const;
export const MAX_FAILURES = { default: 10, max: 1000 } as const;
/** Sinks per organization: each one is a follower of the log the service runs. */
export const SINKS_PER_ORGANIZATION = 10;

export interface SinkInput {
  type: string;
  url?: string | null;
  subject?: string | null;
  path?: string | null;
  batch_size?: number | null;
  max_failures?: number | null;
}

export interface SinkSettings {
  type: SinkType;
  target: string;
  batch_size: number;
  max_failures: number;
}

const invalid = (message: string) => new AuditSinkError(AuditSinkErrorCode.InvalidRequest, message);

function only(input: SinkInput, field: 'url' | 'subject' | 'path' | null): void {
  for (const other of ['url', 'subject', 'path'] as const) {
    if (other !== field && input[other] !== undefined && input[other] !== null) {
      throw invalid(`${other} does not apply to a ${input.type} sink`);
    }
  }
}

function target(input: SinkInput): string {
  switch (input.type as SinkType) {
    case 'webhook': {
      only(input, 'url');
      let url: URL | null = null;
      try {
        url = new URL(input.url ?? '');
      } catch {
        /* refused below */
      }
      if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || (input.url ?? '').length > 2048) {
        throw invalid('url must be an http:// or https:// URL of at most 2048 characters, without credentials');
      }
      return url.toString();
    }
    case 'nats': {
      only(input, 'subject');
      // A concrete subject: tokens of printable characters, no wildcards.
      if (!/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/.test(input.subject ?? '') || (input.subject ?? '').length > 255) {
        throw invalid('subject must be a NATS subject such as audit.acme (letters, digits, _, -, $ in dot-separated tokens, no wildcards)');
      }
      return input.subject!;
    }
    case 'file': {
      only(input, 'path');
      // Relative to the directory the operator allows (SANDBASE_AUDIT_STREAM_FILE_DIR): never outside it.
      if (!/^[A-Za-z0-9._-]{1,128}$/.test(input.path ?? '') || input.path!.startsWith('.')) {
        throw invalid('path must be a file name (letters, digits, ., _, -; not starting with .) in the directory the operator set for audit files');
      }
      return input.path!;
    }
    case 'stdout':
      only(input, null);
      return '-';
    default:
      throw invalid(`type must be one of ${SINK_TYPES.join(', ')}`);
  }
}

function bounded(name: string, value: number | null | undefined, limits: { default: number; max: number }): number {
  if (value === undefined || value === null) return limits.default;
  if (!Number.isInteger(value) || value < 1 || value > limits.max) throw invalid(`${name} must be an integer from 1 to ${limits.max}`);
  return value;
}

/** A new sink's settings, or the first rule its input breaks. */
export function decideSinkSettings(input: SinkInput): SinkSettings {
  return {
    type: input.type as SinkType,
    target: target(input),
    batch_size: bounded('batch_size', input.batch_size, BATCH_SIZE),
    max_failures: bounded('max_failures', input.max_failures, MAX_FAILURES),
  };
}

/**
 * How long to wait after the `failures`-th consecutive failure: doubling
 * from `baseMs` up to `maxMs`, with full jitter (a random share of it), so
 * that sinks failing together do not retry together.
 */
export function backoffMs(failures: number, baseMs: number, maxMs: number, random: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
