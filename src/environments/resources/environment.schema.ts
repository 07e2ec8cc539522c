/**
 * JSON Schemas of the environment responses, exactly as the API renders them
 * (environment.resource.ts). One source for the API description and for the
 * response serializer; a test validates real responses against them.
 */

const stringList = { type: 'array', items: { type: 'string' } } as const;
const timestamp = { type: 'string', format: 'date-time' } as const;

export const networkingSchema = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: { type: { type: 'string', const: 'unrestricted' } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'allowed_hosts', 'allow_mcp_servers', 'allow_package_managers'],
      properties: {
        type: { type: 'string', const: 'limited' },
        allowed_hosts: stringList,
        allow_mcp_servers: { type: 'boolean' },
        allow_package_managers: { type: 'boolean' },
      },
    },
  ],
} as const;

export const packagesSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'apt', 'cargo', 'gem', 'go', 'npm', 'pip'],
  properties: {
    type: { type: 'string', const: 'packages' },
    apt: stringList,
    cargo: stringList,
    gem: stringList,
    go: stringList,
    npm: stringList,
    pip: stringList,
  },
} as const;

export const environmentConfigSchema = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'networking', 'packages'],
      properties: { type: { type: 'string', const: 'cloud' }, networking: networkingSchema, packages: packagesSchema },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: { type: { type: 'string', const: 'self_hosted' } },
    },
  ],
} as const;

export const environmentSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type', 'name', 'description', 'config', 'metadata', 'scope', 'version', 'archived_at', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' },
    type: { type: 'string', const: 'environment' },
    name: { type: 'string' },
    description: { type: ['string', 'null'] },
    config: environmentConfigSchema,
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
    scope: { type: 'string', const: 'organization' },
    version: { type: 'integer', minimum: 1 },
    archived_at: { anyOf: [timestamp, { type: 'null' }] },
    created_at: timestamp,
    updated_at: timestamp,
  },
} as const;

/** A page of the list: `next_page` is present only when another page may follow. */
export const environmentListSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['data'],
  properties: {
    data: { type: 'array', items: environmentSchema },
    next_page: { type: 'string' },
  },
} as const;

export const deletedEnvironmentSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type'],
  properties: { id: { type: 'string' }, type: { type: 'string', const: 'environment_deleted' } },
} as const;
