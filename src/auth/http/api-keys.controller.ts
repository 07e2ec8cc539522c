import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../../common/api-error';
import { parseLimit, parsePageCursor, parsePageParam } from '../../common/list-params';
import { isStorableInstant } from '../../common/page-cursor';
import { validateBody } from '../../common/validation';
import { CurrentPrincipal } from '../api-key.guard';
import type { Principal } from '../api-keys.service';
import { changeContextOf } from '../change-context';
import { CreateApiKeyCommand } from '../commands/create-api-key/create-api-key.command';
import { CreateApiKeyRequest, RotateApiKeyRequest } from '../commands/create-api-key/create-api-key.request';
import { RotateApiKeyCommand } from '../commands/rotate-api-key/rotate-api-key.command';
import { RevokeApiKeyCommand } from '../commands/revoke-api-key/revoke-api-key.command';
import { DEFAULT_SCOPE, isScope } from '../domain/scope';
import { ApiKeyPage, GetApiKeyQuery, ListApiKeysQuery } from '../queries/api-key.queries';
import { HistoryPage, ListHistoryQuery } from '../queries/history.queries';
import { ApiKeyResource, CreatedApiKeyResource, presentApiKey } from '../resources/api-key.resource';
import { Access } from '../scopes';
import { newApiKeySecret } from '../../common/ids';
import { answerWith } from '../../idempotency/pending-answer';
import type { ApiKeyState } from '../domain/api-key';
import { findApiKey } from '../projections/api-keys.read-model';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyErrorCode } from '../domain/errors';
import { apiKeyListSchema, apiKeySchema, apiKeyVersionListSchema, createdApiKeySchema } from '../resources/api-key.schema';
import { organizationVersionListSchema } from '../../organizations/history/history.schema';
import { ApiErrors, apiKeyErrors } from '../../openapi/documented-errors';
import { ApiPageParams, jsonSchema } from '../../openapi/params';
import { requestSchema } from '../../openapi/request-schema';
import { Idempotent } from '../../idempotency/idempotent';

const { ApiKeyNotFound, ApiKeyRevoked, InvalidRequest, LastAdminKey } = ApiKeyErrorCode;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** `expires_at`: absent or null for a key that never expires, else an RFC 3339 instant (the domain wants it in the future). */
function parseExpiry(raw: string | null | undefined): string | null {
  if (raw === undefined || raw === null) return null;
  if (!RFC3339.test(raw) || !isStorableInstant(raw)) {
    throw ApiError.badRequest('expires_at must be an RFC 3339 timestamp such as 2027-01-01T00:00:00Z, or null');
  }
  return new Date(raw).toISOString();
}

const HISTORY_PAGE = { c: 'timestamp', p: 'int' } as const;

/** Key administration, for admin keys, within their own organization; the histories, for every key. */
@ApiTags('api keys')
@Controller('v1')
export class ApiKeysController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
  ) {}

  @Get('api_keys')
  @Access('admin')
  @ApiOperation({ operationId: 'listApiKeys', summary: "The organization's keys, newest first (never their secrets)" })
  @ApiPageParams()
  @ApiOkResponse({ description: 'A page of keys.', schema: jsonSchema(apiKeyListSchema) })
  async list(@Query() query: Record<string, unknown>, @CurrentPrincipal() principal: Principal): Promise<ApiKeyPage> {
    return this.queryBus.execute(new ListApiKeysQuery(principal.organizationId, parseLimit(query.limit), parsePageCursor(query.page)));
  }

  /** The answer is the only place the new key's secret (`key`) ever appears. */
  @Post('api_keys')
  @Idempotent()
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({ operationId: 'createApiKey', summary: 'Create a key; the answer is the only place its secret appears' })
  @ApiBody({ schema: jsonSchema(requestSchema(CreateApiKeyRequest)) })
  @ApiOkResponse({ description: 'The new key, with its secret in `key`.', schema: jsonSchema(createdApiKeySchema) })
  @ApiErrors(apiKeyErrors(InvalidRequest))
  async create(@Body() body: unknown, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest): Promise<CreatedApiKeyResource> {
    const input = validateBody(CreateApiKeyRequest, body);
    const scope = input.scope ?? DEFAULT_SCOPE;
    if (!isScope(scope)) throw ApiError.badRequest('scope must be one of read, write, admin');
    // Chosen here so that an answer stored for an Idempotency-Key (in the command's transaction) carries it too.
    const secret = newApiKeySecret();
    const key = { organizationId: principal.organizationId, name: input.name, scope, expiresAt: parseExpiry(input.expires_at), secret };
    answerWith((state: ApiKeyState) => ({ ...presentApiKey(state, null, state.created_at), key: secret }));
    const created = await this.commandBus.execute(new CreateApiKeyCommand(key, changeContextOf(principal, request)));
    return { ...presentApiKey(created.state, created.last_used_at, created.state.created_at), key: created.key };
  }

  @Get('api_keys/:id')
  @Access('admin')
  @ApiOperation({ operationId: 'retrieveApiKey', summary: 'Retrieve a key' })
  @ApiOkResponse({ description: 'The key.', schema: jsonSchema(apiKeySchema) })
  @ApiErrors(apiKeyErrors(ApiKeyNotFound))
  async retrieve(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<ApiKeyResource> {
    return this.queryBus.execute(new GetApiKeyQuery(principal.organizationId, id));
  }

  /**
   * A new secret for the same key (id, name, scope, history), shown once in
   * the answer; the old secret stops at once, or after `grace_seconds`.
   */
  @Post('api_keys/:id/rotate')
  @Idempotent()
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({ operationId: 'rotateApiKey', summary: 'Give a key a new secret, shown once' })
  @ApiBody({ schema: jsonSchema(requestSchema(RotateApiKeyRequest)), required: false })
  @ApiOkResponse({ description: 'The key, with its new secret in `key`.', schema: jsonSchema(createdApiKeySchema) })
  @ApiErrors(apiKeyErrors(ApiKeyNotFound, ApiKeyRevoked))
  async rotate(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<CreatedApiKeyResource> {
    const { grace_seconds: grace = 0 } = validateBody(RotateApiKeyRequest, body ?? {});
    const secret = newApiKeySecret();
    answerWith((state: ApiKeyState) => ({ ...presentApiKey(state, null, state.created_at), key: secret }));
    const command = new RotateApiKeyCommand(id, grace * 1000, principal.organizationId, changeContextOf(principal, request), secret);
    const rotated = await this.commandBus.execute(command);
    return { ...presentApiKey(rotated.state, rotated.last_used_at, rotated.state.created_at), key: rotated.key };
  }

  /** Revokes at once; the organization's last active admin key cannot be revoked this way (409 `last_admin_key`). */
  @Post('api_keys/:id/revoke')
  @Idempotent()
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke a key at once' })
  @ApiOkResponse({ description: 'The revoked key.', schema: jsonSchema(apiKeySchema) })
  @ApiErrors(apiKeyErrors(ApiKeyNotFound, LastAdminKey))
  async revoke(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest): Promise<ApiKeyResource> {
    answerWith(async (state: ApiKeyState, tx) => {
      const lastUsedAt = (await findApiKey(tx, state.id))?.last_used_at ?? null;
      return presentApiKey(state, lastUsedAt, state.revoked_at ?? state.created_at);
    });
    const revoked = await this.commandBus.execute(new RevokeApiKeyCommand(id, principal.organizationId, changeContextOf(principal, request)));
    return presentApiKey(revoked.state, revoked.last_used_at, revoked.state.revoked_at ?? revoked.state.created_at);
  }

  /** Every create, rotate and revoke of the organization's keys, newest first. */
  @Get('api_key_versions')
  @Access('read')
  @ApiOperation({ operationId: 'listApiKeyVersions', summary: "The history of the organization's keys, newest first" })
  @ApiPageParams()
  @ApiOkResponse({ description: 'A page of key versions.', schema: jsonSchema(apiKeyVersionListSchema) })
  async keyHistory(@Query() query: Record<string, unknown>, @CurrentPrincipal() principal: Principal): Promise<HistoryPage> {
    const after = parsePageParam(query.page, HISTORY_PAGE);
    return this.queryBus.execute(new ListHistoryQuery('api_keys', principal.organizationId, after, parseLimit(query.limit)));
  }

  /** Every freeze and unfreeze of the organization, newest first. */
  @Get('organization_versions')
  @Access('read')
  @ApiOperation({ operationId: 'listOrganizationVersions', summary: "The history of the organization's freezes, newest first" })
  @ApiPageParams()
  @ApiOkResponse({ description: 'A page of organization versions.', schema: jsonSchema(organizationVersionListSchema) })
  async organizationHistory(@Query() query: Record<string, unknown>, @CurrentPrincipal() principal: Principal): Promise<HistoryPage> {
    const after = parsePageParam(query.page, HISTORY_PAGE);
    return this.queryBus.execute(new ListHistoryQuery('organization', principal.organizationId, after, parseLimit(query.limit)));
  }
}
