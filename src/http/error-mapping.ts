import { HttpException } from '@nestjs/common';
import { isDatabaseUnavailable } from '../database/database';
import { DomainError, DomainErrorCode } from '../environments/domain/errors';
import { ApiError, ApiErrorType } from '../common/api-error';
import { ApiKeyError, ApiKeyErrorCode } from '../auth/domain/errors';
import { WorkError, WorkErrorCode } from '../work/domain/errors';
import { AuditSinkError, AuditSinkErrorCode } from '../audit-stream/domain/errors';

const NO_RETRY = { 'x-should-retry': 'false' };

/** Every domain code mapped to its HTTP answer; the switch is exhaustive. */
export function fromDomainError(error: DomainError): ApiError {
  const { code, message } = error;
  switch (code) {
    case DomainErrorCode.InvalidRequest:
      return new ApiError(400, 'invalid_request_error', message);
    case DomainErrorCode.InvalidMetadata:
    case DomainErrorCode.InvalidConfigTypeChange:
    case DomainErrorCode.EnvironmentArchived:
      return new ApiError(400, 'invalid_request_error', message, code);
    case DomainErrorCode.EnvironmentNotFound:
      return new ApiError(404, 'not_found_error', message, code);
    case DomainErrorCode.EnvironmentNameTaken:
      return new ApiError(409, 'conflict_error', message, code, NO_RETRY);
    case DomainErrorCode.VersionMismatch:
      return new ApiError(412, 'invalid_request_error', message, code, NO_RETRY);
    case DomainErrorCode.EnvironmentCreateDisabled:
    case DomainErrorCode.EnvironmentUpdateDisabled:
      return new ApiError(403, 'permission_error', message, code);
    default: {
      const unknownCode: never = code;
      throw new Error(`Unmapped domain error code ${String(unknownCode)}`);
    }
  }
}

/** Every key error code mapped to its HTTP answer; the switch is exhaustive. */
export function fromApiKeyError(error: ApiKeyError): ApiError {
  const { code, message } = error;
  switch (code) {
    case ApiKeyErrorCode.InvalidRequest:
      return new ApiError(400, 'invalid_request_error', message);
    case ApiKeyErrorCode.ApiKeyRevoked:
      return new ApiError(400, 'invalid_request_error', message, code);
    case ApiKeyErrorCode.ApiKeyNotFound:
      return new ApiError(404, 'not_found_error', message, code);
    case ApiKeyErrorCode.LastAdminKey:
      return new ApiError(409, 'conflict_error', message, code, NO_RETRY);
    default: {
      const unknownCode: never = code;
      throw new Error(`Unmapped API key error code ${String(unknownCode)}`);
    }
  }
}

/** Every work-queue error code mapped to its HTTP answer; the switch is exhaustive. */
export function fromWorkError(error: WorkError): ApiError {
  const { code, message } = error;
  switch (code) {
    case WorkErrorCode.InvalidRequest:
      return new ApiError(400, 'invalid_request_error', message);
    case WorkErrorCode.EnvironmentNotSelfHosted:
      return new ApiError(400, 'invalid_request_error', message, code);
    case WorkErrorCode.WorkNotFound:
    case WorkErrorCode.EnvironmentKeyNotFound:
      return new ApiError(404, 'not_found_error', message, code);
    case WorkErrorCode.WorkStopped:
    case WorkErrorCode.WorkNotStarted:
      return new ApiError(409, 'conflict_error', message, code, NO_RETRY);
    case WorkErrorCode.HeartbeatPreconditionFailed:
      return new ApiError(412, 'invalid_request_error', message, code, NO_RETRY, error.details);
    default: {
      const unknownCode: never = code;
      throw new Error(`Unmapped work error code ${String(unknownCode)}`);
    }
  }
}

/** Every audit sink error code mapped to its HTTP answer; the switch is exhaustive. */
export function fromAuditSinkError(error: AuditSinkError): ApiError {
  const { code, message } = error;
  switch (code) {
    case AuditSinkErrorCode.InvalidRequest:
      return new ApiError(400, 'invalid_request_error', message);
    case AuditSinkErrorCode.AuditSinkNotFound:
      return new ApiError(404, 'not_found_error', message, code);
    default: {
      const unknownCode: never = code;
      throw new Error(`Unmapped audit sink error code ${String(unknownCode)}`);
    }
  }
}

function typeForStatus(status: number): ApiErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 409) return 'conflict_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** Fastify's own client errors (body parsing, size, media type) keep their status. */
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is larger than the limit',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Content-Type must be application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty',
};

const STATUS_MESSAGES: Record<number, string> = {
  413: FASTIFY_MESSAGES.FST_ERR_CTP_BODY_TOO_LARGE,
  415: FASTIFY_MESSAGES.FST_ERR_CTP_INVALID_MEDIA_TYPE,
};

/**
 * Turns anything thrown while serving a request into an ApiError. Unknown
 * errors become a 500 whose message names no internals.
 */
export function toApiError(exception: unknown): ApiError {
  if (exception instanceof ApiError) return exception;
  if (exception instanceof DomainError) return fromDomainError(exception);
  if (exception instanceof ApiKeyError) return fromApiKeyError(exception);
  if (exception instanceof WorkError) return fromWorkError(exception);
  if (exception instanceof AuditSinkError) return fromAuditSinkError(exception);
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) return ApiError.notFound('Not found: no such route');
    // Fastify's media-type and size errors can arrive wrapped, with only the status text as message.
    const message = status >= 500 ? 'Internal server error' : (STATUS_MESSAGES[status] ?? exception.message);
    return new ApiError(status, typeForStatus(status), message);
  }
  const candidate = exception as { statusCode?: unknown; code?: unknown; message?: unknown } | null;
  if (candidate && typeof candidate.statusCode === 'number' && candidate.statusCode >= 400 && candidate.statusCode < 500) {
    const code = typeof candidate.code === 'string' ? candidate.code : '';
    const status = candidate.statusCode;
    const message = FASTIFY_MESSAGES[code] ?? (typeof candidate.message === 'string' ? candidate.message : 'Bad request');
    return new ApiError(status, typeForStatus(status), message);
  }
  if (isDatabaseUnavailable(exception)) {
    return new ApiError(503, 'api_error', 'The database is unavailable or overloaded right now; retry the request later', undefined, {
      'retry-after': '1',
    });
  }
  return new ApiError(500, 'api_error', 'Internal server error');
}
