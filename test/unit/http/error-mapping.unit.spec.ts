import { QueryFailedError } from 'typeorm';
import { toApiError } from '../../../src/http/error-mapping';

function failed(code: string, message = 'failed'): QueryFailedError {
  return new QueryFailedError('SELECT 1', [], Object.assign(new Error(message), { code }));
}

describe('database failures as HTTP answers', () => {
  it.each([
    ['57014', 'statement timeout'],
    ['55P03', 'lock not available'],
    ['40001', 'serialization failure'],
    ['40P01', 'deadlock detected'],
    ['53300', 'too many connections'],
    ['53100', 'disk full'],
    ['53200', 'out of memory'],
    ['57P01', 'administrator shutdown'],
    ['SQLITE_BUSY', 'database is locked'],
    ['SQLITE_FULL', 'database or disk is full'],
  ])('answers %s (%s) with a retryable 503', (code, message) => {
    const error = toApiError(failed(code, message));
    expect(error.status).toBe(503);
    expect(error.type).toBe('api_error');
    expect(error.headers['retry-after']).toBe('1');
    expect(error.message).not.toContain(message);
  });

  it.each([
    ['23505', 'duplicate key'],
    ['22021', 'invalid byte sequence'],
    ['SQLITE_CORRUPT', 'database disk image is malformed'],
  ])('keeps %s (%s) a 500 that names no internals', (code, message) => {
    const error = toApiError(failed(code, message));
    expect(error.status).toBe(500);
    expect(error.message).toBe('Internal server error');
  });
});
