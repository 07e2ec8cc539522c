/** JSON Schemas of the health probes' answers. */
export const livenessSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status'],
  properties: { status: { type: 'string', const: 'ok' } },
} as const;

/** 200 with `ok`/`up`, or 503 with `unavailable`/`down`. */
export const readinessSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'database'],
  properties: { status: { type: 'string', enum: ['ok', 'unavailable'] }, database: { type: 'string', enum: ['up', 'down'] } },
} as const;
