/**
 * JSON Schemas of the audit sink answers, exactly as the API renders them
 * (audit-sink.resource.ts): the API description, and the e2e suite checks
 * every real answer against them.
 */
const nullableTimestamp = { type: ['string', 'null'], format: 'date-time' } as const;
const nullableString = { type: ['string', 'null'] } as const;

const properties = {
  type: { type: 'string', const: 'audit_sink' },
  id: { type: 'string' },
  sink_type: { type: 'string', enum: ['webhook', 'nats', 'file', 'stdout'] },
  url: { ...nullableString, description: 'A webhook sink\'s URL.' },
  subject: { ...nullableString, description: 'A nats sink\'s JetStream subject.' },
  path: { ...nullableString, description: 'A file sink\'s file name, in the directory SANDBASE_AUDIT_STREAM_FILE_DIR.' },
  batch_size: { type: 'integer', description: 'Records per delivery at most.' },
  max_failures: { type: 'integer', description: 'Consecutive failed deliveries after which the sink is paused.' },
  state: { type: 'string', enum: ['active', 'paused'] },
  position: { type: 'integer', description: 'The chain_seq of the last record the sink acknowledged (0: none yet).' },
  lag: { type: 'integer', description: 'Records of the organization\'s chain after the position.' },
  lag_seconds: { type: 'number', description: 'Age of the oldest record not yet acknowledged (0 when none is waiting).' },
  failures: { type: 'integer', description: 'Consecutive failed deliveries.' },
  last_error: { ...nullableString, description: 'Why the last delivery failed (null after a success).' },
  last_delivered_at: nullableTimestamp,
  next_attempt_at: { ...nullableTimestamp, description: 'After a failure: not before this time (backoff).' },
  created_at: { type: 'string', format: 'date-time' },
} as const;

export const auditSinkSchema = {
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties),
  properties,
} as const;

export const createdAuditSinkSchema = {
  type: 'object',
  additionalProperties: false,
  required: [...Object.keys(properties), 'secret'],
  properties: {
    ...properties,
    secret: { ...nullableString, description: 'A webhook sink\'s signing secret (`whsec_...`, Standard Webhooks); shown only in this answer.' },
  },
} as const;

export const auditSinkListSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['data', 'next_page'],
  properties: { data: { type: 'array', items: auditSinkSchema }, next_page: { type: 'null' } },
} as const;

export const deletedAuditSinkSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type'],
  properties: { id: { type: 'string' }, type: { type: 'string', const: 'audit_sink_deleted' } },
} as const;
