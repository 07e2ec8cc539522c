import { IsBoolean, IsIn, IsObject, IsOptional, IsString, Length, MaxLength, ValidateNested } from '../../common/class-validator';
import { ENVIRONMENT_KEY_NAME_MAX } from '../domain/environment-key';

/** The longest id of the unit of work an item carries. */
export const WORK_DATA_ID_MAX = 128;

export class WorkDataRequest {
  @IsIn(['session', 'healthcheck'], { message: 'type must be "session" or "healthcheck"' })
  type!: 'session' | 'healthcheck';

  @IsString()
  @Length(1, WORK_DATA_ID_MAX)
  id!: string;
}

/** POST /v1/environments/{id}/work: what to do (`data`) and optional `metadata` (the environments' metadata rules). */
export class EnqueueWorkRequest {
  static readonly nested = { data: WorkDataRequest };

  @IsObject()
  @ValidateNested()
  data!: WorkDataRequest;

  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

/** POST .../work/{work_id}/stop: `force` ends the item at once. */
export class StopWorkRequest {
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

/** POST .../work/{work_id}: metadata merged as an environment's is (a string upserts, null deletes). */
export class UpdateWorkRequest {
  @IsObject()
  metadata!: Record<string, unknown>;
}

/** POST /v1/environments/{id}/keys. */
export class CreateEnvironmentKeyRequest {
  @IsOptional()
  @IsString()
  @MaxLength(ENVIRONMENT_KEY_NAME_MAX)
  name?: string | null;
}
