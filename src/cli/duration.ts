import { invalidValue } from './cli-command';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The longest duration an option takes (ten years). */
export const MAX_DURATION_MS = 10 * 365 * UNITS.d;

/** `90d`, `12h`, `10m`, `30s`: a whole number and a unit, as milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d{1,6})([smhd])$/.exec(value.trim());
  if (!match) throw invalidValue('it must be a whole number and a unit: s, m, h or d (e.g. 90d, 10m)');
  const ms = Number(match[1]) * UNITS[match[2]];
  if (ms > MAX_DURATION_MS) throw invalidValue('it can be at most ten years');
  return ms;
}
