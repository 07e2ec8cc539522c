/** One clock reading per command, in the API's timestamp format. */
export interface Clock {
  now(): string;
}

export const CLOCK = Symbol('Clock');

/** RFC 3339, UTC, millisecond precision, `Z` suffix: how every timestamp is rendered. */
export function formatTimestamp(date: Date): string {
  return date.toISOString();
}

/**
 * Wall clock that never goes backwards within a process, so events of one
 * stream are always recorded in order even if the system clock steps back.
 */
export class SystemClock implements Clock {
  private last = 0;
  now(): string {
    const t = Math.max(Date.now(), this.last);
    this.last = t;
    return formatTimestamp(new Date(t));
  }
}
