/**
 * Progress of a long task (rebuild, verify, export, import, backup) on
 * standard error, so that standard output stays the task's result:
 *
 *   backup: 45% (1234/2742 pages), 5120 pages/s, ETA 0:03
 *
 * At most one line every 500 ms, and a final line at 100% when the task
 * is done. On a terminal the line is rewritten in place; otherwise (a log
 * file, a pipe) each is a plain line of its own. `--quiet` prints nothing.
 */
export interface Progress {
  /** `done` of `total` units so far; `total` may change as the task learns more. */
  update(done: number, total: number): void;
  /** The final line: everything done (`total` if given, else the last total seen). */
  finish(total?: number): void;
  /** The callback shape the long tasks take (`onProgress(done, total)`). */
  readonly onProgress: (done: number, total: number) => void;
}

export const PROGRESS_INTERVAL_MS = 500;

export interface ProgressOptions {
  quiet?: boolean;
  stream?: NodeJS.WriteStream;
  now?: () => number;
}

/** `m:ss`, or `h:mm:ss` from an hour on. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const s = whole % 60;
  const m = Math.floor(whole / 60) % 60;
  const h = Math.floor(whole / 3600);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** One progress line: task, percentage, counts, average rate since the start and the time left at that rate. */
export function progressLine(task: string, unit: string, done: number, total: number, elapsedSeconds: number): string {
  const percent = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const shownRate = rate >= 100 ? String(Math.round(rate)) : rate.toFixed(1);
  const left = Math.max(0, total - done);
  const eta = left === 0 ? formatDuration(0) : rate > 0 ? formatDuration(left / rate) : '?';
  return `${task}: ${percent}% (${done}/${total} ${unit}), ${shownRate} ${unit}/s, ETA ${eta}`;
}

export function progress(task: string, unit: string, options: ProgressOptions = {}): Progress {
  const now = options.now ?? Date.now;
  const stream = options.stream ?? process.stderr;
  const started = now();
  let lastPrinted = started;
  let lastTotal = 0;
  let finished = false;
  const terminal = Boolean(stream.isTTY);
  const print = (done: number, total: number, final: boolean) => {
    if (options.quiet) return;
    const line = progressLine(task, unit, done, total, (now() - started) / 1000);
    stream.write(terminal ? `\r\x1b[K${line}${final ? '\n' : ''}` : `${line}\n`);
  };
  const update = (done: number, total: number) => {
    lastTotal = total;
    if (finished) return;
    const at = now();
    if (at - lastPrinted < PROGRESS_INTERVAL_MS) return;
    lastPrinted = at;
    print(done, total, false);
  };
  return {
    update,
    onProgress: update,
    finish(total?: number) {
      if (finished) return;
      finished = true;
      const all = total ?? lastTotal;
      print(all, all, true);
    },
  };
}
