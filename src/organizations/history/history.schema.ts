/**
 * JSON Schemas shared by every history (environment, key and organization
 * versions): who made a change, and what changed.
 */

/** created-by.ts: the API key with the client's address and User-Agent, or the kind of actor. */
export const createdBySchema = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'api_key_id', 'ip_address', 'user_agent'],
      properties: {
        type: { type: 'string', const: 'api_actor' },
        api_key_id: { type: 'string' },
        ip_address: { type: ['string', 'null'] },
        user_agent: { type: ['string', 'null'] },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: { type: { type: 'string', not: { const: 'api_actor' } } },
    },
  ],
} as const;

/** One changed leaf: its path and the values before and after (any JSON). */
export const fieldChangeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'from', 'to'],
  properties: { path: { type: 'string' }, from: {}, to: {} },
} as const;

/** The fields every history entry has, in the order they are rendered. */
export function historyEntrySchema(type: string, operations: readonly string[], subject: Record<string, object>) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'id', 'version', 'operation', 'created_at', 'created_by', 'request_id', 'changes', ...Object.keys(subject)],
    properties: {
      type: { type: 'string', const: type },
      id: { type: 'string' },
      version: { type: 'integer', minimum: 1 },
      operation: { type: 'string', enum: [...operations] },
      created_at: { type: 'string', format: 'date-time' },
      created_by: createdBySchema,
      request_id: { type: ['string', 'null'] },
      changes: { type: 'array', items: fieldChangeSchema },
      ...subject,
    },
  } as const;
}

/** A page of a history, newest first: `next_page` is present only when another page may follow. */
export function historyPageSchema(entry: object) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['data'],
    properties: { data: { type: 'array', items: entry }, next_page: { type: 'string' } },
  } as const;
}

/** organization_versions: each freeze and unfreeze, with the freeze as it stood after it. */
export const organizationVersionSchema = historyEntrySchema('organization_version', ['frozen', 'unfrozen'], {
  organization_id: { type: 'string' },
  organization: {
    anyOf: [
      {
        type: 'object',
        additionalProperties: false,
        required: ['creates', 'updates', 'reason', 'frozen_at'],
        properties: {
          creates: { type: 'boolean' },
          updates: { type: 'boolean' },
          reason: { type: ['string', 'null'] },
          frozen_at: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] },
        },
      },
      { type: 'null' },
    ],
  },
});

export const organizationVersionListSchema = historyPageSchema(organizationVersionSchema);
