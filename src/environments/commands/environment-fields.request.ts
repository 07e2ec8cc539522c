import { IsArray, IsBoolean, IsObject, IsOptional, IsString, ValidateNested } from '../../common/class-validator';

/**
 * The JSON shape of an environment in create and update bodies. Only types
 * and nesting are checked here (and unknown fields rejected at every level);
 * the domain applies the value rules and merge semantics. `null` passes
 * everywhere: it means "default" on create and "preserve" on update.
 */
export class NetworkingRequest {
  @IsOptional()
  @IsString()
  type?: string | null;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  allowed_hosts?: string[] | null;

  @IsOptional()
  @IsBoolean()
  allow_mcp_servers?: boolean | null;

  @IsOptional()
  @IsBoolean()
  allow_package_managers?: boolean | null;
}

export class PackagesRequest {
  @IsOptional()
  @IsString()
  type?: string | null;

  @IsOptional() @IsArray() @IsString({ each: true }) apt?: string[] | null;
  @IsOptional() @IsArray() @IsString({ each: true }) cargo?: string[] | null;
  @IsOptional() @IsArray() @IsString({ each: true }) gem?: string[] | null;
  @IsOptional() @IsArray() @IsString({ each: true }) go?: string[] | null;
  @IsOptional() @IsArray() @IsString({ each: true }) npm?: string[] | null;
  @IsOptional() @IsArray() @IsString({ each: true }) pip?: string[] | null;
}

export class ConfigRequest {
  static readonly nested = { networking: NetworkingRequest, packages: PackagesRequest };

  @IsOptional()
  @IsString()
  type?: string | null;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  networking?: NetworkingRequest | null;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  packages?: PackagesRequest | null;
}

export class EnvironmentFieldsRequest {
  static readonly nested = { config: ConfigRequest };

  @IsOptional()
  @IsString()
  name?: string | null;

  @IsOptional()
  @IsString()
  description?: string | null;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  config?: ConfigRequest | null;

  /** Values are checked by the domain (code invalid_metadata). */
  @IsOptional()
  @IsObject()
  metadata?: Record<string, string | null> | null;

  @IsOptional()
  @IsString()
  scope?: string | null;
}
