import { JsonTextCache } from '../../common/json-text-cache';
import { nullableTimestampOf, timestampOf } from '../../common/rows';
import type { EnvironmentConfig, EnvironmentState, Networking } from '../domain/environment';
import type { EnvironmentRow } from '../projections/environment-row';

/** The Environment object exactly as the API renders it. */
export interface EnvironmentResource {
  id: string;
  type: 'environment';
  name: string;
  description: string | null;
  config: EnvironmentConfig;
  metadata: Record<string, string>;
  scope: 'organization';
  version: number;
  archived_at: string | null;
  created_at: string;
  updated_at: string;
}

/** Networking in its documented key order. */
export function renderNetworking(n: Networking): Networking {
  return n.type === 'limited'
    ? {
        type: 'limited',
        allowed_hosts: n.allowed_hosts,
        allow_mcp_servers: n.allow_mcp_servers,
        allow_package_managers: n.allow_package_managers,
      }
    : { type: 'unrestricted' };
}

/** Fixed key order whatever the database returned (jsonb reorders keys). */
function renderConfig(config: EnvironmentConfig): EnvironmentConfig {
  if (config.type === 'self_hosted') return { type: 'self_hosted' };
  const p = config.packages;
  return {
    type: 'cloud',
    networking: renderNetworking(config.networking),
    packages: { type: 'packages', apt: p.apt, cargo: p.cargo, gem: p.gem, go: p.go, npm: p.npm, pip: p.pip },
  };
}

/** Metadata keys sorted, so both databases render the same object. */
export function renderMetadata(metadata: Record<string, string>): Record<string, string> {
  const keys = Object.keys(metadata).sort();
  return Object.fromEntries(keys.map((key) => [key, metadata[key]]));
}

/**
 * The Environment object in its documented key order, from the aggregate's
 * state or from a stored rendering of it (a version's `environment`, which
 * PostgreSQL's jsonb hands back with its keys reordered).
 */
export function presentEnvironment(state: Omit<EnvironmentState, 'organization_id'>): EnvironmentResource {
  return {
    id: state.id,
    type: 'environment',
    name: state.name,
    description: state.description,
    config: renderConfig(state.config),
    metadata: renderMetadata(state.metadata),
    scope: state.scope,
    version: state.version,
    archived_at: state.archived_at,
    created_at: state.created_at,
    updated_at: state.updated_at,
  };
}

/** Rendered configurations and metadata by their stored text: at most this many of each are kept. */
const RENDERED_BY_TEXT_LIMIT = 1_000;
const renderedConfigs = new JsonTextCache(RENDERED_BY_TEXT_LIMIT, (parsed) => renderConfig(parsed as EnvironmentConfig));
const renderedMetadata = new JsonTextCache(RENDERED_BY_TEXT_LIMIT, (parsed) => renderMetadata(parsed as Record<string, string>));

/**
 * The Environment object straight from its `environments` row, for reads:
 * the same as presentEnvironment(toEnvironmentState(row)), but a
 * configuration or metadata text rendered before is not parsed and rendered
 * again. Its config and metadata objects are shared and frozen.
 */
export function presentEnvironmentRow(row: EnvironmentRow): EnvironmentResource {
  return {
    id: row.id,
    type: 'environment',
    name: row.name,
    description: row.description,
    config: renderedConfigs.of(row.config),
    metadata: renderedMetadata.of(row.metadata),
    scope: row.scope as 'organization',
    version: Number(row.version),
    archived_at: nullableTimestampOf(row.archived_at),
    created_at: timestampOf(row.created_at),
    updated_at: timestampOf(row.updated_at),
  };
}
