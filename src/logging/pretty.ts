import { Writable } from 'node:stream';

const LEVEL_COLORS: Record<string, string> = { fatal: '35', error: '31', warn: '33', info: '32', debug: '36', trace: '90' };
const OMITTED = new Set(['level', 'time', 'msg', 'service']);

/**
 * LOG_FORMAT=pretty on a terminal: each JSON line the logger writes becomes
 * `time LEVEL message key=value ...`, coloured by level. The same fields as
 * the JSON; meant for people at a terminal, never for log shippers.
 */
export function prettyDestination(out: NodeJS.WritableStream = process.stdout): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        let record: Record<string, unknown>;
        try {
          record = JSON.parse(line) as Record<string, unknown>;
        } catch {
          out.write(`${line}\n`);
          continue;
        }
        const level = String(record.level ?? 'info');
        const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
        const fields = Object.entries(record)
          .filter(([key, value]) => !OMITTED.has(key) && value !== null && value !== undefined)
          .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
        const label = `\u001b[${LEVEL_COLORS[level] ?? '0'}m${level.toUpperCase().padEnd(5)}\u001b[0m`;
        out.write(`${time} ${label} ${String(record.msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}\n`);
      }
      done();
    },
  });
}
