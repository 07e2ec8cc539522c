import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { RouteSchema } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../../auth/api-key.guard';
import { changeContextOf } from '../../auth/change-context';
import { Access } from '../../auth/scopes';
import type { Principal } from '../../auth/api-keys.service';
import { ApiError } from '../../common/api-error';
import { validateBody } from '../../common/validation';
import { ArchiveEnvironmentCommand } from '../commands/archive-environment/archive-environment.command';
import type { CommandContext } from '../commands/command-context';
import { CreateEnvironmentCommand } from '../commands/create-environment/create-environment.command';
import { CreateEnvironmentRequest } from '../commands/create-environment/create-environment.request';
import { DeleteEnvironmentCommand } from '../commands/delete-environment/delete-environment.command';
import { UpdateEnvironmentCommand } from '../commands/update-environment/update-environment.command';
import { UpdateEnvironmentRequest } from '../commands/update-environment/update-environment.request';
import { GetEnvironmentQuery } from '../queries/get-environment/get-environment.query';
import { EnvironmentPage, ListEnvironmentsQuery } from '../queries/list-environments/list-environments.query';
import { EnvironmentResource, presentEnvironment } from '../resources/environment.resource';
import { deletedEnvironmentSchema, environmentListSchema, environmentSchema } from '../resources/environment.schema';
import { parseBooleanParam, parseLimit, parsePageCursor } from '../../common/list-params';
import { answerWith } from '../../idempotency/pending-answer';
import type { EnvironmentState } from '../domain/environment';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DomainErrorCode } from '../domain/errors';
import { charLength, LIMITS } from '../domain/rules';
import { ApiErrors, environmentErrors } from '../../openapi/documented-errors';
import { ApiPageParams, jsonSchema } from '../../openapi/params';
import { requestSchema } from '../../openapi/request-schema';
import { Idempotent } from '../../idempotency/idempotent';

const { EnvironmentNotFound, EnvironmentNameTaken, InvalidRequest, InvalidMetadata, InvalidConfigTypeChange } = DomainErrorCode;
const { EnvironmentArchived, VersionMismatch, EnvironmentCreateDisabled, EnvironmentUpdateDisabled } = DomainErrorCode;
const ETAG = { ETag: { description: 'The environment\'s version in quotes, e.g. `"3"`.', schema: { type: 'string' } } };

function contextOf(principal: Principal, request: FastifyRequest): CommandContext {
  return { organizationId: principal.organizationId, ...changeContextOf(principal, request) };
}

/** `If-Match: "3"` (or `3`); `*` matches any version. */
export function parseIfMatch(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(raw);
  if (!match || Number(match[1]) < 1) {
    throw ApiError.badRequest('If-Match must be an environment version in quotes, e.g. "3"');
  }
  return Number(match[1]);
}

/** `?version=N`: a positive integer in decimal digits; one too large to be exact is beyond any version (a 404). */
function parseVersionParam(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || !/[1-9]/.test(raw)) {
    throw ApiError.badRequest('version must be a positive integer');
  }
  return Math.min(Number(raw), Number.MAX_SAFE_INTEGER);
}

/** `?name_prefix=`: 1-256 characters (code points, like names); absent means every name. */
function parseNamePrefix(raw: unknown): string | null {
  if (raw === undefined) return null;
  if (typeof raw !== 'string') throw ApiError.badRequest('name_prefix must be given once, as text');
  const length = charLength(raw);
  if (length < 1 || length > LIMITS.nameMax) {
    throw ApiError.badRequest(`name_prefix must be 1-${LIMITS.nameMax} characters (got ${length})`);
  }
  return raw;
}

/** With an Idempotency-Key, the answer is stored in the command's transaction: the same body as the route sends. */
function answerWithEnvironment(): void {
  answerWith((state: EnvironmentState) => presentEnvironment(state));
}

/**
 * The 200 answers are rendered by Fastify's schema-based serializer from the
 * JSON Schemas of the resources; errors (4xx, 5xx) keep the generic one.
 */
const serializedAs = (schema: object) => RouteSchema({ response: { 200: schema } });
const ENVIRONMENT = serializedAs(environmentSchema);

function withEtag(reply: FastifyReply, environment: EnvironmentResource): EnvironmentResource {
  reply.header('etag', `"${environment.version}"`);
  return environment;
}

@ApiTags('environments')
@Controller('v1/environments')
export class EnvironmentsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
  ) {}

  @Post()
  @Idempotent()
  @ENVIRONMENT
  @Access('write')
  @HttpCode(200)
  @ApiOperation({ operationId: 'createEnvironment', summary: 'Create an environment' })
  @ApiBody({ schema: jsonSchema(requestSchema(CreateEnvironmentRequest, { required: ['name'] })) })
  @ApiOkResponse({ description: 'The new environment (version 1).', schema: jsonSchema(environmentSchema), headers: ETAG })
  @ApiErrors(environmentErrors(InvalidRequest, InvalidMetadata, EnvironmentNameTaken, EnvironmentCreateDisabled))
  async create(
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EnvironmentResource> {
    const input = validateBody(CreateEnvironmentRequest, body);
    answerWithEnvironment();
    const state = await this.commandBus.execute(new CreateEnvironmentCommand(input, contextOf(principal, request)));
    return withEtag(reply, presentEnvironment(state));
  }

  @Get()
  @serializedAs(environmentListSchema)
  @Access('read')
  @ApiOperation({ operationId: 'listEnvironments', summary: 'List environments, newest first' })
  @ApiPageParams()
  @ApiQuery({ name: 'include_archived', required: false, schema: { type: 'boolean', default: false } })
  @ApiQuery({
    name: 'name_prefix',
    required: false,
    description: `Only environments whose name starts with this text: case-sensitive, no wildcards, 1-${LIMITS.nameMax} characters.`,
    schema: { type: 'string', minLength: 1, maxLength: LIMITS.nameMax },
  })
  @ApiOkResponse({ description: 'A page of environments.', schema: jsonSchema(environmentListSchema) })
  async list(@Query() query: Record<string, unknown>, @CurrentPrincipal() principal: Principal): Promise<EnvironmentPage> {
    const limit = parseLimit(query.limit);
    const includeArchived = parseBooleanParam('include_archived', query.include_archived, false);
    const namePrefix = parseNamePrefix(query.name_prefix);
    const after = parsePageCursor(query.page);
    return this.queryBus.execute(new ListEnvironmentsQuery(principal.organizationId, limit, after, includeArchived, namePrefix));
  }

  @Get(':id')
  @ENVIRONMENT
  @Access('read')
  @ApiOperation({ operationId: 'retrieveEnvironment', summary: 'Retrieve an environment, or one of its versions' })
  @ApiQuery({ name: 'version', required: false, description: 'The environment as of this version.', schema: { type: 'integer', minimum: 1 } })
  @ApiOkResponse({ description: 'The environment.', schema: jsonSchema(environmentSchema), headers: ETAG })
  @ApiErrors(environmentErrors(EnvironmentNotFound))
  async retrieve(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EnvironmentResource> {
    const version = parseVersionParam(query.version);
    const environment = await this.queryBus.execute(new GetEnvironmentQuery(principal.organizationId, id, version));
    return withEtag(reply, environment);
  }

  @Post(':id')

  @Idempotent()
  @ENVIRONMENT
  @Access('write')
  @HttpCode(200)
  @ApiOperation({ operationId: 'updateEnvironment', summary: 'Update an environment: omitted fields are preserved' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'Apply only if the environment is at this version (`"3"`), else 412; `*` matches any.' })
  @ApiBody({ schema: jsonSchema(requestSchema(UpdateEnvironmentRequest)) })
  @ApiOkResponse({ description: 'The environment after the update.', schema: jsonSchema(environmentSchema), headers: ETAG })
  @ApiErrors(
    environmentErrors(InvalidRequest, InvalidMetadata, InvalidConfigTypeChange, EnvironmentArchived, EnvironmentNotFound),
    environmentErrors(EnvironmentNameTaken, VersionMismatch, EnvironmentUpdateDisabled),
  )
  async update(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EnvironmentResource> {
    const patch = validateBody(UpdateEnvironmentRequest, body);
    const expected = parseIfMatch(ifMatch);
    answerWithEnvironment();
    const state = await this.commandBus.execute(
      new UpdateEnvironmentCommand(id, patch, expected, contextOf(principal, request)),
    );
    return withEtag(reply, presentEnvironment(state));
  }

  @Post(':id/archive')

  @Idempotent()
  @ENVIRONMENT
  @Access('write')
  @HttpCode(200)
  @ApiOperation({ operationId: 'archiveEnvironment', summary: 'Archive an environment' })
  @ApiOkResponse({ description: 'The archived environment.', schema: jsonSchema(environmentSchema), headers: ETAG })
  @ApiErrors(environmentErrors(EnvironmentNotFound, EnvironmentUpdateDisabled))
  async archive(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EnvironmentResource> {
    answerWithEnvironment();
    const state = await this.commandBus.execute(new ArchiveEnvironmentCommand(id, contextOf(principal, request)));
    return withEtag(reply, presentEnvironment(state));
  }

  @Delete(':id')
  @serializedAs(deletedEnvironmentSchema)
  @Access('write')
  @HttpCode(200)
  @ApiOperation({ operationId: 'deleteEnvironment', summary: 'Delete an environment (its history remains)' })
  @ApiOkResponse({ description: 'The deletion.', schema: jsonSchema(deletedEnvironmentSchema) })
  @ApiErrors(environmentErrors(EnvironmentNotFound, EnvironmentUpdateDisabled))
  async remove(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<{ id: string; type: 'environment_deleted' }> {
    await this.commandBus.execute(new DeleteEnvironmentCommand(id, contextOf(principal, request)));
    return { id, type: 'environment_deleted' };
  }
}
