/** The `error.type` values of the error envelope. */
export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error';

/** An error that is already an HTTP answer: status, envelope type, message and optional code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ApiErrorType,
    message: string,
    readonly code?: string,
    readonly headers: Record<string, string> = {},
    /** More of `details` beside `error_code` (a failed heartbeat precondition's `current_state`). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static badRequest(message: string, code?: string): ApiError {
    return new ApiError(400, 'invalid_request_error', message, code);
  }

  static notFound(message: string, code?: string): ApiError {
    return new ApiError(404, 'not_found_error', message, code);
  }

  static unauthorized(message: string): ApiError {
    return new ApiError(401, 'authentication_error', message);
  }
}

export interface ErrorEnvelope {
  type: 'error';
  error: { type: ApiErrorType; message: string; details?: { error_code: string; [more: string]: unknown } };
  request_id: string;
}

export function errorEnvelope(error: ApiError, requestId: string): ErrorEnvelope {
  return {
    type: 'error',
    error: {
      type: error.type,
      message: error.message,
      ...(error.code ? { details: { error_code: error.code, ...error.details } } : {}),
    },
    request_id: requestId,
  };
}
