import { IsIn, IsInt, IsOptional, IsString, Max, Min } from '../common/class-validator';
import { BATCH_SIZE, MAX_FAILURES, SINK_TYPES, type SinkType } from './domain/sink';

/** POST /v1/audit_sinks: the kind of sink and where it delivers (`url`, `subject` or `path`, by type). */
export class CreateAuditSinkRequest {
  @IsIn([...SINK_TYPES], { message: `type must be one of ${SINK_TYPES.join(', ')}` })
  type!: SinkType;

  @IsOptional()
  @IsString()
  url?: string | null;

  @IsOptional()
  @IsString()
  subject?: string | null;

  @IsOptional()
  @IsString()
  path?: string | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(BATCH_SIZE.max)
  batch_size?: number | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_FAILURES.max)
  max_failures?: number | null;
}

/** POST /v1/audit_sinks/{id}/replay: deliver again from an event or version id, or from a time, on. */
export class ReplayAuditSinkRequest {
  @IsString()
  from!: string;
}
