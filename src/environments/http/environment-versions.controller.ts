import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentPrincipal } from '../../auth/api-key.guard';
import { Access } from '../../auth/scopes';
import type { Principal } from '../../auth/api-keys.service';
import { ApiError } from '../../common/api-error';
import { isStorableInstant, millisecondBound } from '../../common/page-cursor';
import type { VersionFilters } from '../projections/environment-versions.read-model';
import { VERSION_OPERATIONS, VersionOperation } from '../resources/environment-version.resource';
import { ListEnvironmentVersionsQuery, VersionPage } from '../queries/list-environment-versions/list-environment-versions.query';
import { parseLimit, parsePageParam } from '../../common/list-params';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DomainErrorCode } from '../domain/errors';
import { environmentVersionListSchema } from '../resources/environment-version.schema';
import { ApiErrors, environmentErrors } from '../../openapi/documented-errors';
import { ApiPageParams, jsonSchema, TIMESTAMP_PARAM } from '../../openapi/params';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

function timeFilter(name: string, raw: unknown, bound: 'lower' | 'upper'): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !RFC3339.test(raw) || !isStorableInstant(raw)) {
    throw ApiError.badRequest(`${name} must be an RFC 3339 timestamp such as 2026-05-29T10:00:00Z`);
  }
  return millisecondBound(raw, bound);
}

function stringFilter(name: string, raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw === '') throw ApiError.badRequest(`${name} must be a single non-empty value`);
  return raw;
}

export function parseVersionFilters(query: Record<string, unknown>): VersionFilters {
  const operation = stringFilter('operation', query.operation);
  if (operation !== undefined && !VERSION_OPERATIONS.includes(operation as VersionOperation)) {
    throw ApiError.badRequest(`operation must be one of ${VERSION_OPERATIONS.join(', ')}`);
  }
  return {
    environment_id: stringFilter('environment_id', query.environment_id),
    operation: operation as VersionOperation | undefined,
    api_key_id: stringFilter('api_key_id', query.api_key_id),
    created_at_gte: timeFilter('created_at[gte]', query['created_at[gte]'], 'lower'),
    created_at_lte: timeFilter('created_at[lte]', query['created_at[lte]'], 'upper'),
  };
}

/** The audit history: who changed what, when, with which key. */
@ApiTags('audit history')
@Controller()
export class EnvironmentVersionsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get('v1/environments/:id/versions')
  @Access('read')
  @ApiOperation({ operationId: 'listEnvironmentVersions', summary: "An environment's history, newest version first" })
  @ApiPageParams()
  @ApiOkResponse({ description: 'A page of versions.', schema: jsonSchema(environmentVersionListSchema) })
  @ApiErrors(environmentErrors(DomainErrorCode.EnvironmentNotFound))
  async ofEnvironment(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<VersionPage> {
    const limit = parseLimit(query.limit);
    const after = parsePageParam(query.page, { v: 'int32' } as const);
    return this.queryBus.execute(
      new ListEnvironmentVersionsQuery(principal.organizationId, { environmentId: id, beforeVersion: after?.v ?? null }, limit),
    );
  }

  @Get('v1/environment_versions')
  @Access('read')
  @ApiOperation({ operationId: 'listOrganizationEnvironmentVersions', summary: "The organization's environment history, newest first, filtered" })
  @ApiPageParams()
  @ApiQuery({ name: 'environment_id', required: false, schema: { type: 'string', minLength: 1 } })
  @ApiQuery({ name: 'operation', required: false, schema: { type: 'string', enum: [...VERSION_OPERATIONS] } })
  @ApiQuery({ name: 'api_key_id', required: false, description: 'Changes made with this key.', schema: { type: 'string', minLength: 1 } })
  @ApiQuery({ name: 'created_at[gte]', required: false, description: 'Changes at or after this instant.', schema: TIMESTAMP_PARAM })
  @ApiQuery({ name: 'created_at[lte]', required: false, description: 'Changes at or before this instant.', schema: TIMESTAMP_PARAM })
  @ApiOkResponse({ description: 'A page of versions.', schema: jsonSchema(environmentVersionListSchema) })
  async ofOrganization(@Query() query: Record<string, unknown>, @CurrentPrincipal() principal: Principal): Promise<VersionPage> {
    const limit = parseLimit(query.limit);
    const filters = parseVersionFilters(query);
    const after = parsePageParam(query.page, { c: 'timestamp', p: 'int' } as const);
    return this.queryBus.execute(new ListEnvironmentVersionsQuery(principal.organizationId, { filters, after }, limit));
  }
}
