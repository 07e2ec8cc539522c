/**
 * The Environment aggregate's state and value types. Pure data: no framework,
 * database or clock in this folder.
 */

export const PACKAGE_MANAGERS = ['apt', 'cargo', 'gem', 'go', 'npm', 'pip'] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

export type UnrestrictedNetworking = { type: 'unrestricted' };
export type LimitedNetworking = {
  type: 'limited';
  allowed_hosts: string[];
  allow_mcp_servers: boolean;
  allow_package_managers: boolean;
};
export type Networking = UnrestrictedNetworking | LimitedNetworking;

export type Packages = { type: 'packages' } & Record<PackageManager, string[]>;

export type CloudConfig = { type: 'cloud'; networking: Networking; packages: Packages };
export type SelfHostedConfig = { type: 'self_hosted' };
export type EnvironmentConfig = CloudConfig | SelfHostedConfig;

export type EnvironmentScope = 'organization';

/** The mutable, user-visible fields of an environment. */
export interface EnvironmentFields {
  name: string;
  description: string | null;
  config: EnvironmentConfig;
  metadata: Record<string, string>;
  scope: EnvironmentScope;
}

export interface EnvironmentState extends EnvironmentFields {
  id: string;
  organization_id: string;
  /** Number of recorded changes; equals the stream version of the last event. */
  version: number;
  archived_at: string | null;
  created_at: string;
  updated_at: string;
}

export function emptyPackages(): Packages {
  return { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] };
}

export function defaultNetworking(): UnrestrictedNetworking {
  return { type: 'unrestricted' };
}

export function defaultConfig(): CloudConfig {
  return { type: 'cloud', networking: defaultNetworking(), packages: emptyPackages() };
}
