import { QueryFailedError } from 'typeorm/error/QueryFailedError';
import type { DatabaseConfig } from '../config/config';

export class DatabaseUnavailableError extends Error {}

/** The driver's own error under a failed statement (statements fail with TypeORM's QueryFailedError). */
export function driverErrorOf(error: unknown): { code?: unknown; message?: unknown; constraint?: unknown } | null {
  const driverError = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  return driverError && typeof driverError === 'object' ? (driverError as { code?: unknown }) : null;
}

/** Where the database is, for messages: never the password. */
export function describeDatabase(config: DatabaseConfig): string {
  if (config.type === 'sqlite') return `sqlite:${config.path}`;
  const url = new URL(config.url);
  return `postgres://${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

/** Resolves with `work`, or rejects with DatabaseUnavailableError after `timeoutMs`. */
export async function within<T>(timeoutMs: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseUnavailableError(`the database did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

