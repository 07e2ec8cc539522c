import { apiKeyListSchema, apiKeySchema, apiKeySnapshotSchema, apiKeyVersionListSchema, apiKeyVersionSchema, createdApiKeySchema } from '../auth/resources/api-key.schema';
import { auditChainVerificationSchema } from '../audit/resources/audit-chain.schema';
import { errorEnvelopeSchema } from '../common/error-envelope.schema';
import { environmentVersionListSchema, environmentVersionSchema } from '../environments/resources/environment-version.schema';
import {
  deletedEnvironmentSchema,
  environmentConfigSchema,
  environmentListSchema,
  environmentSchema,
  networkingSchema,
  packagesSchema,
} from '../environments/resources/environment.schema';
import { createdBySchema, fieldChangeSchema, organizationVersionListSchema, organizationVersionSchema } from '../organizations/history/history.schema';

/** The resources' schemas under the names the document gives them in components.schemas. */
export const NAMED_SCHEMAS: Record<string, object> = {
  Environment: environmentSchema,
  EnvironmentConfig: environmentConfigSchema,
  Networking: networkingSchema,
  Packages: packagesSchema,
  EnvironmentList: environmentListSchema,
  DeletedEnvironment: deletedEnvironmentSchema,
  EnvironmentVersion: environmentVersionSchema,
  EnvironmentVersionList: environmentVersionListSchema,
  CreatedBy: createdBySchema,
  FieldChange: fieldChangeSchema,
  ApiKey: apiKeySchema,
  ApiKeySnapshot: apiKeySnapshotSchema,
  CreatedApiKey: createdApiKeySchema,
  ApiKeyList: apiKeyListSchema,
  ApiKeyVersion: apiKeyVersionSchema,
  ApiKeyVersionList: apiKeyVersionListSchema,
  OrganizationVersion: organizationVersionSchema,
  OrganizationVersionList: organizationVersionListSchema,
  AuditChainVerification: auditChainVerificationSchema,
  Error: errorEnvelopeSchema,
};

/**
 * Replaces every copy of a named schema in the document by a `$ref` to it
 * (inside other named schemas too), so each resource is described once in
 * components.schemas and referenced everywhere it appears.
 */
export function useNamedSchemas(document: Record<string, unknown>): Record<string, unknown> {
  const names = new Map(Object.entries(NAMED_SCHEMAS).map(([name, schema]) => [JSON.stringify(schema), name]));
  const replace = (value: unknown, root: string | null): unknown => {
    if (Array.isArray(value)) return value.map((item) => replace(item, null));
    if (value === null || typeof value !== 'object') return value;
    const name = names.get(JSON.stringify(value));
    if (name !== undefined && name !== root) return { $ref: `#/components/schemas/${name}` };
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replace(item, null)]));
  };
  const components = document.components as { schemas: Record<string, unknown> };
  const schemas = Object.fromEntries(Object.entries(components.schemas).map(([name, schema]) => [name, replace(schema, name)]));
  const rest = replace({ ...document, components: { ...components, schemas: {} } }, null) as Record<string, unknown>;
  return { ...rest, components: { ...(rest.components as object), schemas } };
}
