import type { EnvironmentVersion } from '../api/types';
import { apiActor } from '../api/types';

export const CSV_COLUMNS = [
  'id',
  'created_at',
  'environment_id',
  'version',
  'operation',
  'actor_type',
  'api_key_id',
  'ip_address',
  'user_agent',
  'request_id',
  'changes',
] as const;

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF; quotes doubled; null is empty. */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The versions as CSV: a header line, one line per version, CRLF line ends, `changes` as JSON. */
export function toCsv(versions: EnvironmentVersion[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const v of versions) {
    const actor = apiActor(v.created_by);
    const row = [
      v.id,
      v.created_at,
      v.environment_id,
      v.version,
      v.operation,
      v.created_by.type,
      actor?.api_key_id,
      actor?.ip_address,
      actor?.user_agent,
      v.request_id,
      JSON.stringify(v.changes),
    ];
    lines.push(row.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The versions as NDJSON: each exactly as the API returned it, one per line. */
export function toNdjson(versions: EnvironmentVersion[]): string {
  return versions.map((v) => `${JSON.stringify(v)}\n`).join('');
}
