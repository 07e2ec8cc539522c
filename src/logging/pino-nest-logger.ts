import type { LoggerService } from '@nestjs/common';
import type { Pino } from './logger';

/** Nest's own start-up chatter (modules loaded, routes mapped): useful when debugging, noise otherwise. */
const FRAMEWORK_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Routes Nest's Logger (and `new Logger(context)` anywhere in the code) into the service's pino logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}

  private write(level: Level, message: unknown, optional: unknown[]): void {
    // Nest passes the context last; an error's stack, when given, comes before it.
    const context = typeof optional[optional.length - 1] === 'string' ? (optional.pop() as string) : undefined;
    const stack = typeof optional[0] === 'string' ? optional[0] : undefined;
    const effective = level === 'info' && context !== undefined && FRAMEWORK_CONTEXTS.has(context) ? 'debug' : level;
    const fields: Record<string, unknown> = context === undefined ? {} : { context };
    if (stack !== undefined) fields.stack = stack;
    if (message instanceof Error) this.pino[effective]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.pino[effective]({ ...fields, ...message });
    else this.pino[effective](fields, String(message));
  }

  log(message: unknown, ...optional: unknown[]): void {
    this.write('info', message, optional);
  }
  error(message: unknown, ...optional: unknown[]): void {
    this.write('error', message, optional);
  }
  warn(message: unknown, ...optional: unknown[]): void {
    this.write('warn', message, optional);
  }
  debug(message: unknown, ...optional: unknown[]): void {
    this.write('debug', message, optional);
  }
  verbose(message: unknown, ...optional: unknown[]): void {
    this.write('trace', message, optional);
  }
  fatal(message: unknown, ...optional: unknown[]): void {
    this.write('fatal', message, optional);
  }
}
