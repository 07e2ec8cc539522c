const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];
const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 minutes ago", from an ISO instant. */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (Math.abs(seconds) < 10) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return 'just now';
}

/** A time both ways: relative (the ISO instant in its title; `focusable` for a tooltip by keyboard) and the absolute ISO instant beside it. */
export function Time({ iso, testId, focusable = false }: { iso: string; testId?: string; focusable?: boolean }) {
  return (
    <span class="time">
      <time data-testid={testId} dateTime={iso} title={iso} tabIndex={focusable ? 0 : undefined}>
        {relativeTime(iso)}
      </time>{' '}
      <span class="time-absolute">{iso}</span>
    </span>
  );
}
