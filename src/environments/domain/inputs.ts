import type { PackageManager } from './environment';

/**
 * Request shapes as the domain receives them: types already checked by the
 * transport, values not yet. `null` and `undefined` are meaningful (see the
 * merge rules in fields.ts).
 */
export interface NetworkingInput {
  type?: string | null;
  allowed_hosts?: string[] | null;
  allow_mcp_servers?: boolean | null;
  allow_package_managers?: boolean | null;
}

export type PackagesInput = { type?: string | null } & Partial<Record<PackageManager, string[] | null>>;

export interface ConfigInput {
  type?: string | null;
  networking?: NetworkingInput | null;
  packages?: PackagesInput | null;
}

export interface EnvironmentInput {
  name?: string | null;
  description?: string | null;
  config?: ConfigInput | null;
  metadata?: Record<string, string | null> | null;
  scope?: string | null;
}
