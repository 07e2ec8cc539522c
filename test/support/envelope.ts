/**
 * The error envelope of the API (docs/api.md), asserted exactly:
 * `{type: "error", error: {type, message, details?}, request_id}`, with
 * `request_id` equal to the `request-id` header.
 */

/** The response parts an envelope check needs (an HttpResult or a fetch-like answer). */
export interface ErrorResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** The API contract names no error code here: `details` may be absent, and if present is `{error_code: string}`. */
export const ANY_CODE = Symbol('details optional');
/** The answer carries no `details` at all. */
export const NO_DETAILS = Symbol('no details');

/** A required `details.error_code`, or ANY_CODE / NO_DETAILS. */
export type ExpectedCode = string | typeof ANY_CODE | typeof NO_DETAILS;

export interface EnvelopeOptions {
  /** What the message must match. */
  message?: RegExp;
  /** Names the request in the failure message (for checks in loops). */
  what?: string;
}

/** Asserts the status and the exact envelope of an error answer. */
export function expectError(
  response: ErrorResponse,
  status: number,
  type: string,
  code: ExpectedCode = ANY_CODE,
  options: EnvelopeOptions = {},
): void {
  // The body and the label travel with the status, so that a wrong status shows what came back instead.
  const { what } = options;
  expect({ what, status: response.status, body: response.body }).toEqual({ what, status, body: expect.anything() });
  const requestId = response.headers.get('request-id');
  expect(requestId).toMatch(/^req_[0-9A-Za-z]+$/);
  expect(Object.keys(response.body).sort()).toEqual(['error', 'request_id', 'type']);
  expect(response.body.type).toBe('error');
  expect(response.body.request_id).toBe(requestId);
  const error = response.body.error;
  expect(error.type).toBe(type);
  expect(typeof error.message).toBe('string');
  expect(error.message.trim().length).toBeGreaterThan(5);
  if (options.message) expect(error.message).toMatch(options.message);
  if (code === ANY_CODE) {
    expect(Object.keys(error).every((k) => ['type', 'message', 'details'].includes(k))).toBe(true);
    if ('details' in error) expect(error.details).toEqual({ error_code: expect.any(String) });
  } else if (code === NO_DETAILS) {
    expect(Object.keys(error).sort()).toEqual(['message', 'type']);
  } else {
    expect(Object.keys(error).sort()).toEqual(['details', 'message', 'type']);
    expect(error.details).toEqual({ error_code: code });
  }
}

/** 400 invalid_request_error. */
export const expectBadRequest = (response: ErrorResponse, code: ExpectedCode = ANY_CODE, options: EnvelopeOptions = {}): void =>
  expectError(response, 400, 'invalid_request_error', code, options);

/** 404 not_found_error (the contract allows but does not require a details.error_code). */
export const expectNotFound = (response: ErrorResponse, code: ExpectedCode = ANY_CODE, options: EnvelopeOptions = {}): void =>
  expectError(response, 404, 'not_found_error', code, options);
