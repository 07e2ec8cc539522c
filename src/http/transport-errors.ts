import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, errorEnvelope } from '../common/api-error';
import { newRequestId } from '../common/ids';

/**
 * Why a path parameter or query value cannot be accepted, or null. PostgreSQL
 * cannot compare text containing U+0000, so `/v1/environments/a%00b` must be
 * refused before any query, on both databases alike.
 */
export function urlProblem(values: unknown): string | null {
  if (!values || typeof values !== 'object') return null;
  for (const value of Object.values(values).flat()) {
    if (typeof value === 'string' && value.includes('\u0000')) {
      return 'The URL must not contain the NUL character (%00) in a path segment or query parameter';
    }
  }
  return null;
}

/**
 * Errors Fastify raises before routing (a path that is not valid
 * percent-encoded UTF-8, an over-long path segment), answered in the envelope
 * with a request id like every other error.
 */
export function onFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const apiError =
    error.code === 'FST_ERR_BAD_URL'
      ? ApiError.badRequest('The URL path is not valid percent-encoded UTF-8')
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new ApiError(414, 'invalid_request_error', 'A URL path segment is longer than 16 KiB')
        : new ApiError(500, 'api_error', 'Internal server error');
  void reply
    .status(apiError.status)
    .header('request-id', request.id)
    .header('x-content-type-options', 'nosniff')
    .send(errorEnvelope(apiError, String(request.id)));
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers over
 * 16 KiB, a malformed header line, a request that takes too long to arrive):
 * answered in the envelope with a request id like every other error, then the
 * connection is closed.
 */
export function onClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers (including the URL) are larger than 16 KiB']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request did not arrive in time']
        : [400, 'The request is not valid HTTP/1.1'];
  const requestId = newRequestId();
  const body = JSON.stringify(errorEnvelope(new ApiError(status, 'invalid_request_error', message), requestId));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nrequest-id: ${requestId}\r\nx-content-type-options: nosniff\r\n` +
        `connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
