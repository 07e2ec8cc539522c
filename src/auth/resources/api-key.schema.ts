/**
 * JSON Schemas of the key responses, exactly as api-key.resource.ts renders
 * them: the API description states them and a test validates real responses
 * against them.
 */
import { historyEntrySchema, historyPageSchema } from '../../organizations/history/history.schema';
import { SCOPES } from '../domain/scope';

const timestamp = { type: 'string', format: 'date-time' } as const;
const optionalTimestamp = { anyOf: [timestamp, { type: 'null' }] } as const;

/** What every rendering of a key shows (its history's snapshots lack `status` and `last_used_at`). */
const keyProperties = {
  type: { type: 'string', const: 'api_key' },
  id: { type: 'string' },
  name: { type: ['string', 'null'] },
  scope: { type: 'string', enum: [...SCOPES] },
  workspace_id: { type: 'string' },
  key_hint: { type: 'string', description: 'A recognisable, non-secret fragment of the current secret.' },
  created_at: timestamp,
  expires_at: optionalTimestamp,
  revoked_at: optionalTimestamp,
} as const;

const snapshotRequired = ['type', 'id', 'name', 'scope', 'workspace_id', 'key_hint', 'created_at', 'expires_at', 'revoked_at'];

export const apiKeySnapshotSchema = {
  type: 'object',
  additionalProperties: false,
  required: snapshotRequired,
  properties: keyProperties,
} as const;

export const apiKeySchema = {
  type: 'object',
  additionalProperties: false,
  required: [...snapshotRequired, 'status', 'last_used_at'],
  properties: {
    ...keyProperties,
    status: { type: 'string', enum: ['active', 'expired', 'revoked'] },
    last_used_at: optionalTimestamp,
  },
} as const;

/** The answer to a create or a rotation: the only time the secret (`key`) is shown. */
export const createdApiKeySchema = {
  type: 'object',
  additionalProperties: false,
  required: [...apiKeySchema.required, 'key'],
  properties: { ...apiKeySchema.properties, key: { type: 'string', description: 'The secret; shown only in this answer.' } },
} as const;

export const apiKeyListSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['data'],
  properties: { data: { type: 'array', items: apiKeySchema }, next_page: { type: 'string' } },
} as const;

/** api_key_versions: each create, rotation and revocation, with the key as it stood after it. */
export const apiKeyVersionSchema = historyEntrySchema('api_key_version', ['created', 'rotated', 'revoked'], {
  api_key_id: { type: 'string' },
  api_key: { anyOf: [apiKeySnapshotSchema, { type: 'null' }] },
});

export const apiKeyVersionListSchema = historyPageSchema(apiKeyVersionSchema);
