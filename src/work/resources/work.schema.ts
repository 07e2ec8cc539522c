/**
 * JSON Schemas of the work-queue answers, exactly as the API renders them
 * (work.resource.ts): the API description, and the e2e suite checks every
 * real answer against them.
 */
const timestamp = { type: 'string', format: 'date-time' } as const;
const nullableTimestamp = { type: ['string', 'null'], format: 'date-time' } as const;
const stateSchema = { type: 'string', enum: ['queued', 'starting', 'active', 'stopping', 'stopped'] } as const;
const metadataSchema = { type: 'object', additionalProperties: { type: 'string' } } as const;

export const workSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'id', 'environment_id', 'state', 'data', 'metadata', 'secret', 'created_at', 'acknowledged_at', 'started_at', 'latest_heartbeat_at', 'stop_requested_at', 'stopped_at'],
  properties: {
    type: { type: 'string', const: 'work' },
    id: { type: 'string' },
    environment_id: { type: 'string' },
    state: stateSchema,
    data: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'id'],
      properties: { type: { type: 'string', enum: ['session', 'healthcheck'] }, id: { type: 'string' } },
    },
    metadata: metadataSchema,
    secret: { type: ['string', 'null'], description: 'Only in a poll\'s answer: base64url of JSON `{"sessions_token": ...}`, the work secret of this claim.' },
    created_at: timestamp,
    acknowledged_at: nullableTimestamp,
    started_at: nullableTimestamp,
    latest_heartbeat_at: nullableTimestamp,
    stop_requested_at: nullableTimestamp,
    stopped_at: nullableTimestamp,
  },
} as const;

export const pollAnswerSchema = { oneOf: [workSchema, { type: 'null' }] } as const;

export const workListSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['data', 'next_page'],
  properties: { data: { type: 'array', items: workSchema }, next_page: { type: ['string', 'null'] } },
} as const;

export const heartbeatSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'last_heartbeat', 'lease_extended', 'state', 'ttl_seconds'],
  properties: {
    type: { type: 'string', const: 'work_heartbeat' },
    last_heartbeat: { type: ['string', 'null'] },
    lease_extended: { type: 'boolean' },
    state: stateSchema,
    ttl_seconds: { type: 'integer' },
  },
} as const;

export const statsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'depth', 'pending', 'oldest_queued_at', 'workers_polling'],
  properties: {
    type: { type: 'string', const: 'work_queue_stats' },
    depth: { type: 'integer', description: 'Queued items not claimed by a poll.' },
    pending: { type: 'integer', description: 'Items claimed by a poll and not yet acknowledged.' },
    oldest_queued_at: nullableTimestamp,
    workers_polling: { type: ['integer', 'null'], description: 'Distinct Anthropic-Worker-ID values that polled in the last 30 s; null if none.' },
  },
} as const;

const createdBySchema = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'string', enum: ['api_actor', 'environment_key_actor', 'work_secret_actor', 'cli_actor', 'system_actor'] },
    api_key_id: { type: 'string' },
    environment_key_id: { type: 'string' },
    work_id: { type: 'string' },
    ip_address: { type: ['string', 'null'] },
    user_agent: { type: ['string', 'null'] },
  },
  additionalProperties: false,
} as const;

export const workVersionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'id', 'work_id', 'environment_id', 'version', 'operation', 'created_at', 'created_by', 'request_id', 'changes', 'work'],
  properties: {
    type: { type: 'string', const: 'work_version' },
    id: { type: 'string' },
    work_id: { type: 'string' },
    environment_id: { type: 'string' },
    version: { type: 'integer' },
    operation: { type: 'string', enum: ['enqueued', 'claimed', 'reclaimed', 'acknowledged', 'started', 'stop_requested', 'stopped', 'lease_expired', 'updated'] },
    created_at: timestamp,
    created_by: createdBySchema,
    request_id: { type: ['string', 'null'] },
    changes: { type: 'array', items: { type: 'object', required: ['path', 'from', 'to'], properties: { path: { type: 'string' }, from: {}, to: {} } } },
    work: workSchema,
  },
} as const;

export const workVersionListSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['data', 'next_page'],
  properties: { data: { type: 'array', items: workVersionSchema }, next_page: { type: ['string', 'null'] } },
} as const;

export const environmentKeySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'id', 'environment_id', 'name', 'key_hint', 'created_at', 'revoked_at'],
  properties: {
    type: { type: 'string', const: 'environment_key' },
    id: { type: 'string' },
    environment_id: { type: 'string' },
    name: { type: ['string', 'null'] },
    key_hint: { type: 'string' },
    created_at: timestamp,
    revoked_at: nullableTimestamp,
  },
} as const;

export const createdEnvironmentKeySchema = {
  ...environmentKeySchema,
  required: [...environmentKeySchema.required, 'key'],
  properties: { ...environmentKeySchema.properties, key: { type: 'string', description: 'The secret: shown only in this answer.' } },
} as const;

export const environmentKeyListSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['data', 'next_page'],
  properties: { data: { type: 'array', items: environmentKeySchema }, next_page: { type: 'null' } },
} as const;
