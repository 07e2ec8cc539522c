import pino, { Logger as Pino } from 'pino';
import type { LogFormat, LogLevel } from '../config/config';
import { prettyDestination } from './pretty';

export type { Pino };

/** Standard output: JSON lines, or readable lines when asked for (LOG_FORMAT=pretty) and standard output is a terminal. */
export function logDestination(format: LogFormat, isTty: boolean = process.stdout.isTTY === true): pino.DestinationStream {
  return format === 'pretty' && isTty ? prettyDestination() : pino.destination({ fd: 1, sync: true });
}

/**
 * The service's one logger: JSON lines on standard output, one object per
 * line, ISO timestamps, the level as a word. Fastify logs through it (with
 * each request's `request_id`), and so does Nest (see PinoNestLogger).
 */
export function createLogger(level: LogLevel, destination: pino.DestinationStream = pino.destination({ fd: 1, sync: true })): Pino {
  return pino(
    {
      level,
      base: { service: 'sandbase' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
