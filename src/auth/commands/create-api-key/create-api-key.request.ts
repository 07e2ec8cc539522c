import { IsIn, IsInt, IsOptional, IsString, Max, Min } from '../../../common/class-validator';
import { SCOPES } from '../../domain/scope';

/** POST /v1/api_keys: `name` is required; `scope` defaults to write; `expires_at` is an RFC 3339 instant or null. */
export class CreateApiKeyRequest {
  @IsString()
  name!: string;

  @IsOptional()
  @IsIn(SCOPES as string[], { message: `scope must be one of ${SCOPES.join(', ')}` })
  scope?: string;

  @IsOptional()
  @IsString()
  expires_at?: string | null;
}

/** The longest grace period a rotation over HTTP may keep the old secret working: 30 days. */
export const MAX_GRACE_SECONDS = 30 * 86_400;

/** POST /v1/api_keys/{id}/rotate: `grace_seconds` (default 0) keeps the old secret working that long. */
export class RotateApiKeyRequest {
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_GRACE_SECONDS)
  grace_seconds?: number;
}
