import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../../auth/api-key.guard';
import type { Principal } from '../../auth/api-keys.service';
import { changeContextOf } from '../../auth/change-context';
import { Access } from '../../auth/scopes';
import { ApiError } from '../../common/api-error';
import { parseLimit, parsePageParam } from '../../common/list-params';
import { validateBody } from '../../common/validation';
import { DomainErrorCode } from '../../environments/domain/errors';
import { answerWith } from '../../idempotency/pending-answer';
import { ApiErrors, environmentErrors, workErrors } from '../../openapi/documented-errors';
import { ApiPageParams, jsonSchema } from '../../openapi/params';
import { requestSchema } from '../../openapi/request-schema';
import { CreateEnvironmentKeyRequest } from '../commands/work.requests';
import type { EnvironmentKeyState } from '../domain/environment-key';
import { WorkErrorCode } from '../domain/errors';
import { EnvironmentKeysService, newEnvironmentKeySecret } from '../environment-keys.service';
import { WORK_HISTORY_PAGE } from '../projections/work-history.read-model';
import { WorkQueueService } from '../work-queue.service';
import { presentEnvironmentKey } from '../resources/work.resource';
import { createdEnvironmentKeySchema, environmentKeyListSchema, environmentKeySchema, workVersionListSchema } from '../resources/work.schema';
import { Idempotent } from '../../idempotency/idempotent';

const { EnvironmentNotSelfHosted, EnvironmentKeyNotFound, InvalidRequest } = WorkErrorCode;
const { EnvironmentNotFound, EnvironmentArchived } = DomainErrorCode;

const acting = (principal: Principal, request: FastifyRequest) => ({ organizationId: principal.organizationId, ...changeContextOf(principal, request) });
const idParam = (name: string, raw: unknown): string | undefined => {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.length > 64) throw ApiError.badRequest(`${name} must be one id`);
  return raw;
};

/** Environment keys of self-hosted environments, and the organization's history of work items. */
@ApiTags('work')
@Controller('v1')
export class EnvironmentKeysController {
  constructor(private readonly keys: EnvironmentKeysService) {}

  @Post('environments/:environment_id/keys')

  @Idempotent()
  @HttpCode(200)
  @Access('write')
  @ApiOperation({ operationId: 'createEnvironmentKey', summary: 'Issue a key for the environment\'s workers; the answer is the only place its secret appears' })
  @ApiBody({ required: false, schema: jsonSchema(requestSchema(CreateEnvironmentKeyRequest)) })
  @ApiOkResponse({ description: 'The new key, with its secret in `key`.', schema: jsonSchema(createdEnvironmentKeySchema) })
  @ApiErrors(workErrors(EnvironmentNotSelfHosted, InvalidRequest), environmentErrors(EnvironmentNotFound, EnvironmentArchived))
  async create(@Param('environment_id') environmentId: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest) {
    const input = validateBody(CreateEnvironmentKeyRequest, body ?? {});
    // Chosen here so that an answer stored for an Idempotency-Key (in the command's transaction) carries it too.
    const secret = newEnvironmentKeySecret();
    answerWith((key: EnvironmentKeyState) => ({ ...presentEnvironmentKey(key), key: secret }));
    const created = await this.keys.create(acting(principal, request), environmentId, input.name ?? null, secret);
    return { ...presentEnvironmentKey(created.key), key: created.secret };
  }

  @Get('environments/:environment_id/keys')
  @Access('read')
  @ApiOperation({ operationId: 'listEnvironmentKeys', summary: 'The environment\'s keys, newest first, revoked ones too (never their secrets)' })
  @ApiOkResponse({ description: 'Every key of the environment.', schema: jsonSchema(environmentKeyListSchema) })
  @ApiErrors(environmentErrors(EnvironmentNotFound))
  async list(@Param('environment_id') environmentId: string, @CurrentPrincipal() principal: Principal) {
    const keys = await this.keys.list(principal.organizationId, environmentId);
    return { data: keys.map(presentEnvironmentKey), next_page: null };
  }

  @Post('environments/:environment_id/keys/:key_id/revoke')

  @Idempotent()
  @HttpCode(200)
  @Access('write')
  @ApiOperation({ operationId: 'revokeEnvironmentKey', summary: 'Revoke the key at once' })
  @ApiOkResponse({ description: 'The revoked key.', schema: jsonSchema(environmentKeySchema) })
  @ApiErrors(workErrors(EnvironmentKeyNotFound), environmentErrors(EnvironmentNotFound))
  async revoke(@Param('environment_id') environmentId: string, @Param('key_id') keyId: string, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest) {
    return presentEnvironmentKey(await this.keys.revoke(acting(principal, request), environmentId, keyId));
  }
}

/** GET /v1/work_versions: every state change of the organization's work items, newest first. */
@ApiTags('work')
@Controller('v1/work_versions')
export class WorkVersionsController {
  constructor(private readonly queue: WorkQueueService) {}

  @Get()
  @Access('read')
  @ApiOperation({ operationId: 'listWorkVersions', summary: 'The history of the organization\'s work items, newest first' })
  @ApiPageParams()
  @ApiQuery({ name: 'environment_id', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'work_id', required: false, schema: { type: 'string' } })
  @ApiOkResponse({ description: 'A page of the history.', schema: jsonSchema(workVersionListSchema) })
  list(@Query() query: Record<string, unknown>, @CurrentPrincipal() principal: Principal) {
    const filter = { environmentId: idParam('environment_id', query.environment_id), workId: idParam('work_id', query.work_id) };
    return this.queue.history(principal.organizationId, filter, parsePageParam(query.page, WORK_HISTORY_PAGE), parseLimit(query.limit));
  }
}
