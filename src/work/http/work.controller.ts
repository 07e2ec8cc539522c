import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../../auth/api-key.guard';
import type { Principal } from '../../auth/api-keys.service';
import { changeContextOf } from '../../auth/change-context';
import { Access } from '../../auth/scopes';
import { parseLimit, parsePageCursor } from '../../common/list-params';
import { Credentials } from '../../common/route-access';
import { validateBody } from '../../common/validation';
import { DomainErrorCode } from '../../environments/domain/errors';
import { answerWith } from '../../idempotency/pending-answer';
import { ApiErrors, environmentErrors, workErrors } from '../../openapi/documented-errors';
import { ApiPageParams, jsonSchema } from '../../openapi/params';
import { requestSchema } from '../../openapi/request-schema';
import { EnqueueWorkRequest, StopWorkRequest, UpdateWorkRequest } from '../commands/work.requests';
import { WorkErrorCode } from '../domain/errors';
import type { WorkItem } from '../domain/work';
import type { Acting } from '../environment-keys.service';
import { LeaseState, presentWork, WorkResource } from '../resources/work.resource';
import { heartbeatSchema, pollAnswerSchema, statsSchema, workListSchema, workSchema } from '../resources/work.schema';
import { WorkQueueService } from '../work-queue.service';
import { expectedHeartbeat, integerParam, pollOptions } from './work-params';
import { Idempotent } from '../../idempotency/idempotent';

const { WorkNotFound, WorkStopped, WorkNotStarted, HeartbeatPreconditionFailed, EnvironmentNotSelfHosted, InvalidRequest } = WorkErrorCode;
const { EnvironmentNotFound, EnvironmentArchived, InvalidMetadata } = DomainErrorCode;

const ENVIRONMENT_KEY = Credentials({ apiKey: false, worker: ['environment_key'] });
const WORKER_OR_API_KEY = Credentials({ apiKey: true, worker: ['environment_key', 'work_secret'] });
const WORKER = Credentials({ apiKey: false, worker: ['environment_key', 'work_secret'] });

function acting(principal: Principal, request: FastifyRequest): Acting {
  return { organizationId: principal.organizationId, ...changeContextOf(principal, request) };
}

/** The work queue of a self-hosted environment: workers poll, ack, heartbeat and stop; API keys enqueue and watch. */
@ApiTags('work')
@Controller('v1/environments/:environment_id/work')
export class WorkController {
  constructor(private readonly queue: WorkQueueService) {}

  @Post()

  @Idempotent()
  @HttpCode(200)
  @Access('write')
  @ApiOperation({ operationId: 'enqueueWork', summary: 'Queue a unit of work for the environment\'s workers (a Sandbase extension)' })
  @ApiBody({ schema: jsonSchema(requestSchema(EnqueueWorkRequest, { required: ['data'] })) })
  @ApiOkResponse({ description: 'The queued item.', schema: jsonSchema(workSchema) })
  @ApiErrors(workErrors(InvalidRequest, EnvironmentNotSelfHosted), environmentErrors(EnvironmentNotFound, EnvironmentArchived, InvalidMetadata))
  async enqueue(@Param('environment_id') environmentId: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest): Promise<WorkResource> {
    const input = validateBody(EnqueueWorkRequest, body);
    answerWith((item: WorkItem) => presentWork(item));
    return this.queue.enqueue(acting(principal, request), environmentId, { type: input.data.type, id: input.data.id }, input.metadata);
  }

  @Get('poll')
  @Access('read')
  @ENVIRONMENT_KEY
  @ApiOperation({ operationId: 'pollWork', summary: 'Claim the oldest claimable item, waiting up to block_ms; null if none' })
  @ApiQuery({ name: 'block_ms', required: false, schema: { type: 'integer', minimum: 1, maximum: 999 } })
  @ApiQuery({ name: 'reclaim_older_than_ms', required: false, schema: { type: 'integer', minimum: 1, default: 5000 } })
  @ApiHeader({ name: 'Anthropic-Worker-ID', required: false, description: 'The polling worker, counted in workers_polling.' })
  @ApiOkResponse({ description: 'The claimed item with its work secret, or null.', schema: jsonSchema(pollAnswerSchema) })
  async poll(
    @Param('environment_id') environmentId: string,
    @Query() query: Record<string, unknown>,
    @Headers('anthropic-worker-id') worker: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<WorkResource | null> {
    const options = pollOptions(query, worker);
    return this.queue.poll(acting(principal, request), environmentId, options, () => request.raw.destroyed);
  }

  @Get('stats')
  @Access('read')
  @ApiOperation({ operationId: 'workStats', summary: 'The queue\'s depth, pending claims, oldest queued item and polling workers' })
  @ApiOkResponse({ description: 'The queue\'s numbers.', schema: jsonSchema(statsSchema) })
  @ApiErrors(environmentErrors(EnvironmentNotFound))
  stats(@Param('environment_id') environmentId: string, @CurrentPrincipal() principal: Principal) {
    return this.queue.stats(principal.organizationId, environmentId);
  }

  @Get()
  @Access('read')
  @ENVIRONMENT_KEY
  @ApiOperation({ operationId: 'listWork', summary: 'The environment\'s items, newest first' })
  @ApiPageParams()
  @ApiOkResponse({ description: 'A page of items.', schema: jsonSchema(workListSchema) })
  list(@Param('environment_id') environmentId: string, @Query() query: Record<string, unknown>) {
    return this.queue.list(environmentId, parsePageCursor(query.page), parseLimit(query.limit));
  }

  @Get(':work_id')
  @Access('read')
  @ApiOperation({ operationId: 'retrieveWork', summary: 'One item' })
  @ApiOkResponse({ description: 'The item.', schema: jsonSchema(workSchema) })
  @ApiErrors(workErrors(WorkNotFound), environmentErrors(EnvironmentNotFound))
  retrieve(@Param('environment_id') environmentId: string, @Param('work_id') workId: string, @CurrentPrincipal() principal: Principal) {
    return this.queue.retrieve(principal.organizationId, environmentId, workId);
  }

  @Post(':work_id')

  @Idempotent()
  @HttpCode(200)
  @Access('write')
  @ApiOperation({ operationId: 'updateWork', summary: 'Merge the item\'s metadata (a string upserts, null deletes)' })
  @ApiBody({ schema: jsonSchema(requestSchema(UpdateWorkRequest, { required: ['metadata'] })) })
  @ApiOkResponse({ description: 'The item after the update.', schema: jsonSchema(workSchema) })
  @ApiErrors(workErrors(WorkNotFound, InvalidRequest), environmentErrors(InvalidMetadata, EnvironmentNotFound))
  update(@Param('environment_id') environmentId: string, @Param('work_id') workId: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest) {
    const input = validateBody(UpdateWorkRequest, body);
    return this.queue.updateMetadata(acting(principal, request), environmentId, workId, input.metadata);
  }

  @Post(':work_id/ack')

  @Idempotent()
  @HttpCode(200)
  @Access('write')
  @ENVIRONMENT_KEY
  @ApiOperation({ operationId: 'ackWork', summary: 'Acknowledge a claimed item: it starts and leaves the queue' })
  @ApiOkResponse({ description: 'The item (starting).', schema: jsonSchema(workSchema) })
  @ApiErrors(workErrors(WorkNotFound, WorkStopped))
  ack(@Param('environment_id') environmentId: string, @Param('work_id') workId: string, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest) {
    return this.queue.ack(acting(principal, request), environmentId, workId);
  }

  @Post(':work_id/heartbeat')

  @Idempotent()
  @HttpCode(200)
  @Access('write')
  @WORKER
  @ApiOperation({ operationId: 'heartbeatWork', summary: 'Extend the item\'s lease if expected_last_heartbeat is its last heartbeat' })
  @ApiQuery({ name: 'expected_last_heartbeat', required: false, schema: { type: 'string' }, description: '`NO_HEARTBEAT` on the first beat, then the previous answer\'s last_heartbeat.' })
  @ApiQuery({ name: 'desired_ttl_seconds', required: false, schema: { type: 'integer', minimum: 0 }, description: 'Clamped to 10-600; default 90.' })
  @ApiOkResponse({ description: 'The lease.', schema: jsonSchema(heartbeatSchema) })
  @ApiErrors(workErrors(WorkNotFound, WorkNotStarted, HeartbeatPreconditionFailed))
  heartbeat(
    @Param('environment_id') environmentId: string,
    @Param('work_id') workId: string,
    @Query() query: Record<string, unknown>,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<LeaseState & { type: 'work_heartbeat' }> {
    const expected = expectedHeartbeat(query.expected_last_heartbeat);
    const ttl = integerParam('desired_ttl_seconds', query.desired_ttl_seconds, 0, 1_000_000_000);
    return this.queue.heartbeat(acting(principal, request), environmentId, workId, expected, ttl).then((lease) => ({ type: 'work_heartbeat', ...lease }));
  }

  @Post(':work_id/stop')

  @Idempotent()
  @HttpCode(200)
  @Access('write')
  @WORKER_OR_API_KEY
  @ApiOperation({ operationId: 'stopWork', summary: 'Stop the item: gracefully (stopping), or at once with force' })
  @ApiBody({ required: false, schema: jsonSchema(requestSchema(StopWorkRequest)) })
  @ApiOkResponse({ description: 'The item after the stop.', schema: jsonSchema(workSchema) })
  @ApiErrors(workErrors(WorkNotFound, WorkStopped, InvalidRequest), environmentErrors(EnvironmentNotFound))
  stop(@Param('environment_id') environmentId: string, @Param('work_id') workId: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest) {
    const input = validateBody(StopWorkRequest, body ?? {});
    return this.queue.stop(acting(principal, request), environmentId, workId, input.force === true);
  }
}
