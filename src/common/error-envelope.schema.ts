import type { ApiErrorType } from './api-error';

export const API_ERROR_TYPES: readonly ApiErrorType[] = [
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'conflict_error',
  'request_too_large',
  'rate_limit_error',
  'api_error',
  'overloaded_error',
];

/** JSON Schema of the error envelope (errorEnvelope in api-error.ts). */
export const errorEnvelopeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'error', 'request_id'],
  properties: {
    type: { type: 'string', const: 'error' },
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'message'],
      properties: {
        type: { type: 'string', enum: [...API_ERROR_TYPES] },
        message: { type: 'string', description: 'For people; may change. Programs use `type` and `details.error_code`.' },
        details: {
          type: 'object',
          additionalProperties: false,
          required: ['error_code'],
          properties: {
            error_code: { type: 'string' },
            current_state: {
              type: 'object',
              description: 'With `heartbeat_precondition_failed`: the work item\'s lease as it is.',
              additionalProperties: false,
              required: ['last_heartbeat', 'lease_extended', 'state', 'ttl_seconds'],
              properties: {
                last_heartbeat: { type: ['string', 'null'] },
                lease_extended: { type: 'boolean' },
                state: { type: 'string', enum: ['queued', 'starting', 'active', 'stopping', 'stopped'] },
                ttl_seconds: { type: 'integer' },
              },
            },
          },
        },
      },
    },
    request_id: { type: 'string' },
  },
} as const;
