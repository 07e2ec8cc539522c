import { IsIn, IsOptional, IsString } from 'class-validator';
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
