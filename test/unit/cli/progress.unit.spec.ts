import { formatDuration, progress, progressLine, PROGRESS_INTERVAL_MS } from '../../../src/cli/progress';

/** A stream that records what is written, a terminal or not. */
function recorder(isTTY: boolean) {
  const written: string[] = [];
  const stream = { isTTY, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('progress lines', () => {
  it('give the percentage, the counts, the rate and the time left at that rate', () => {
    expect(progressLine('backup', 'pages', 250, 1000, 2)).toBe('backup: 25% (250/1000 pages), 125 pages/s, ETA 0:06');
    expect(progressLine('import', 'bytes', 5, 10, 2)).toBe('import: 50% (5/10 bytes), 2.5 bytes/s, ETA 0:02');
    expect(progressLine('export', 'rows', 0, 10, 0)).toBe('export: 0% (0/10 rows), 0.0 rows/s, ETA ?');
    expect(progressLine('verify', 'events', 0, 0, 0)).toBe('verify: 100% (0/0 events), 0.0 events/s, ETA 0:00');
  });

  it('write durations as m:ss, and h:mm:ss from an hour on', () => {
    expect([formatDuration(0), formatDuration(59.6), formatDuration(61), formatDuration(3600 + 62)]).toEqual(['0:00', '1:00', '1:01', '1:01:02']);
  });

  it('come at most once per interval, then a last line at 100%, as plain lines when not on a terminal', () => {
    let now = 1000;
    const { stream, written } = recorder(false);
    const p = progress('export', 'rows', { stream, now: () => now });
    p.update(1, 10);
    now += PROGRESS_INTERVAL_MS - 1;
    p.update(2, 10);
    expect(written).toEqual([]);
    now += 1;
    p.update(3, 10);
    p.update(4, 10);
    now += PROGRESS_INTERVAL_MS;
    p.update(5, 10);
    p.finish();
    p.finish();
    expect(written).toEqual([
      'export: 30% (3/10 rows), 6.0 rows/s, ETA 0:01\n',
      'export: 50% (5/10 rows), 5.0 rows/s, ETA 0:01\n',
      'export: 100% (10/10 rows), 10.0 rows/s, ETA 0:00\n',
    ]);
  });

  it('rewrite one line in place on a terminal, ending it with the last', () => {
    let now = 0;
    const { stream, written } = recorder(true);
    const p = progress('backup', 'pages', { stream, now: () => now });
    now = PROGRESS_INTERVAL_MS;
    p.update(1, 2);
    p.finish(2);
    expect(written).toEqual(['\r\x1b[Kbackup: 50% (1/2 pages), 2.0 pages/s, ETA 0:01', '\r\x1b[Kbackup: 100% (2/2 pages), 4.0 pages/s, ETA 0:00\n']);
  });

  it('print nothing when quiet', () => {
    let now = 0;
    const { stream, written } = recorder(false);
    const p = progress('backup', 'pages', { stream, now: () => now, quiet: true });
    now = 10 * PROGRESS_INTERVAL_MS;
    p.update(1, 2);
    p.finish();
    expect(written).toEqual([]);
  });
});
