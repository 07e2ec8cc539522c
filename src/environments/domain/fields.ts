import {
  CloudConfig,
  defaultConfig,
  defaultNetworking,
  emptyPackages,
  EnvironmentConfig,
  EnvironmentFields,
  Networking,
  PACKAGE_MANAGERS,
  Packages,
} from './environment';
import { DomainError, DomainErrorCode, invalid } from './errors';
import type { ConfigInput, EnvironmentInput, NetworkingInput, PackagesInput } from './inputs';
import {
  applyMetadataPatch,
  checkBoolean,
  checkDescription,
  checkPackageList,
  checkScope,
  normalizeAllowedHosts,
  normalizeName,
} from './rules';

/**
 * The fields of a new environment: every omitted or null field takes its
 * default, then every field rule is checked.
 */
export function createFields(input: EnvironmentInput): EnvironmentFields {
  if (input.name === undefined || input.name === null) throw invalid('name is required');
  const fields: EnvironmentFields = {
    name: normalizeName(input.name),
    description: input.description == null ? null : checkDescription(input.description),
    config: input.config == null ? defaultConfig() : createConfig(input.config),
    metadata: input.metadata == null ? {} : applyMetadataPatch({}, input.metadata),
    scope: input.scope == null ? 'organization' : checkScope(input.scope),
  };
  checkCrossFieldRules(fields.config);
  return fields;
}

/**
 * The merged fields of an update: omitted fields preserve their value, the
 * rules of the API's "merge semantics" (docs/api.md) apply, and the result is checked
 * against every field rule.
 */
export function mergeFields(current: EnvironmentFields, patch: EnvironmentInput): EnvironmentFields {
  const merged: EnvironmentFields = {
    name: patch.name == null ? current.name : normalizeName(patch.name),
    description: patch.description === undefined ? current.description : checkDescription(patch.description),
    config: patch.config == null ? current.config : mergeConfig(current.config, patch.config),
    metadata: patch.metadata == null ? current.metadata : applyMetadataPatch(current.metadata, patch.metadata),
    scope: patch.scope == null ? current.scope : checkScope(patch.scope),
  };
  checkCrossFieldRules(merged.config);
  return merged;
}

function configType(input: ConfigInput): 'cloud' | 'self_hosted' {
  if (input.type === undefined || input.type === null) {
    throw invalid('config.type is required whenever config is sent');
  }
  if (input.type !== 'cloud' && input.type !== 'self_hosted') {
    throw invalid(`config.type must be "cloud" or "self_hosted" (got ${JSON.stringify(input.type)})`);
  }
  return input.type;
}

function selfHosted(input: ConfigInput): EnvironmentConfig {
  for (const field of ['networking', 'packages'] as const) {
    if (input[field] != null) throw invalid(`config.${field} is not allowed when config.type is "self_hosted"`);
  }
  return { type: 'self_hosted' };
}

function createConfig(input: ConfigInput): EnvironmentConfig {
  return configType(input) === 'self_hosted' ? selfHosted(input) : mergeCloud(defaultConfig(), input);
}

function mergeConfig(current: EnvironmentConfig, input: ConfigInput): EnvironmentConfig {
  const type = configType(input);
  if (type !== current.type) {
    throw new DomainError(
      DomainErrorCode.InvalidConfigTypeChange,
      `config.type cannot change after creation (stored "${current.type}", got "${type}")`,
    );
  }
  return current.type === 'self_hosted' ? selfHosted(input) : mergeCloud(current, input);
}

function mergeCloud(current: CloudConfig, input: ConfigInput): CloudConfig {
  return {
    type: 'cloud',
    networking: input.networking == null ? current.networking : mergeNetworking(current.networking, input.networking),
    packages: input.packages == null ? current.packages : mergePackages(current.packages, input.packages),
  };
}

/**
 * Same type as stored: each sent field replaces, each omitted or null field is
 * preserved. Another type: replaced, omitted fields taking their defaults.
 */
export function mergeNetworking(current: Networking, input: NetworkingInput): Networking {
  if (typeof input !== 'object' || Array.isArray(input)) throw invalid('config.networking must be an object');
  const { type } = input;
  if (type === undefined || type === null) throw invalid('config.networking.type is required');
  if (type === 'unrestricted') {
    for (const field of ['allowed_hosts', 'allow_mcp_servers', 'allow_package_managers'] as const) {
      if (input[field] != null) {
        throw invalid(`config.networking.${field} is only allowed when config.networking.type is "limited"`);
      }
    }
    return defaultNetworking();
  }
  if (type !== 'limited') {
    throw invalid(`config.networking.type must be "unrestricted" or "limited" (got ${JSON.stringify(type)})`);
  }
  const base =
    current.type === 'limited'
      ? current
      : { type: 'limited' as const, allowed_hosts: [], allow_mcp_servers: false, allow_package_managers: false };
  return {
    type: 'limited',
    allowed_hosts: input.allowed_hosts == null ? base.allowed_hosts : normalizeAllowedHosts(input.allowed_hosts),
    allow_mcp_servers:
      input.allow_mcp_servers == null
        ? base.allow_mcp_servers
        : checkBoolean('config.networking.allow_mcp_servers', input.allow_mcp_servers),
    allow_package_managers:
      input.allow_package_managers == null
        ? base.allow_package_managers
        : checkBoolean('config.networking.allow_package_managers', input.allow_package_managers),
  };
}

/** Each manager sent as an array replaces that list; omitted or null ones are kept. */
export function mergePackages(current: Packages, input: PackagesInput): Packages {
  if (typeof input !== 'object' || Array.isArray(input)) throw invalid('config.packages must be an object');
  if (input.type != null && input.type !== 'packages') {
    throw invalid(`config.packages.type must be "packages" (got ${JSON.stringify(input.type)})`);
  }
  const result: Packages = { ...emptyPackages(), ...current };
  for (const manager of PACKAGE_MANAGERS) {
    const list = input[manager];
    if (list != null) result[manager] = checkPackageList(manager, list);
  }
  return result;
}

function checkCrossFieldRules(config: EnvironmentConfig): void {
  if (config.type !== 'cloud' || config.networking.type !== 'limited') return;
  if (config.networking.allow_package_managers) return;
  const nonEmpty = PACKAGE_MANAGERS.find((manager) => config.packages[manager].length > 0);
  if (nonEmpty) {
    throw invalid(
      `config.packages.${nonEmpty} is not empty, which under "limited" networking requires ` +
        'config.networking.allow_package_managers to be true',
    );
  }
}
