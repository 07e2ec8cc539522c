import { driverErrorOf } from '../errors';

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57014', // query_canceled: the statement timeout (DATABASE_STATEMENT_TIMEOUT_MS) fired
  '55P03', // lock_not_available
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53000', // insufficient_resources
  '53100', // disk_full
  '53200', // out_of_memory
  '53300', // too_many_connections
]);

/** The server or the network failed, or the pool or the client gave up waiting: retryable, a 503. */
export function isPostgresUnavailable(error: unknown): boolean {
  const driverError = driverErrorOf(error);
  if (!driverError) return false;
  const { code, message } = driverError;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  return (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/i.test(
      message,
    )
  );
}

/** The pg client gave up waiting for an answer (DATABASE_QUERY_TIMEOUT_MS). */
export function isQueryTimeout(error: unknown): boolean {
  return driverErrorOf(error)?.message === 'Query read timeout';
}

/** unique_violation names its constraint. */
export function postgresUniqueConstraint(error: unknown): string | null {
  const driverError = driverErrorOf(error);
  if (driverError?.code !== '23505') return null;
  return typeof driverError.constraint === 'string' ? driverError.constraint : 'unknown';
}
