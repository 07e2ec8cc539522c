import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../../auth/api-key.guard';
import type { Principal } from '../../auth/api-keys.service';
import { changeContextOf } from '../../auth/change-context';
import { Access } from '../../auth/scopes';
import { validateBody } from '../../common/validation';
import { ApiErrors, auditSinkErrors } from '../../openapi/documented-errors';
import { jsonSchema } from '../../openapi/params';
import { requestSchema } from '../../openapi/request-schema';
import { CreateAuditSinkRequest, ReplayAuditSinkRequest } from '../audit-sink.requests';
import { Acting, AuditSinksService } from '../audit-sinks.service';
import { AuditSinkErrorCode } from '../domain/errors';
import { auditSinkListSchema, auditSinkSchema, createdAuditSinkSchema, deletedAuditSinkSchema } from '../resources/audit-sink.schema';
import { Idempotent } from '../../idempotency/idempotent';

const { InvalidRequest, AuditSinkNotFound } = AuditSinkErrorCode;

const acting = (principal: Principal, request: FastifyRequest): Acting => ({ organizationId: principal.organizationId, ...changeContextOf(principal, request) });

/** The organization's audit sinks: where its audit stream is delivered (docs/audit.md, "Streaming to a SIEM"). */
@ApiTags('audit')
@Controller('v1/audit_sinks')
export class AuditSinksController {
  constructor(private readonly sinks: AuditSinksService) {}

  @Post()

  @Idempotent()
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({ operationId: 'createAuditSink', summary: 'Stream the audit history to a webhook, a NATS JetStream subject, a file or standard output; a webhook\'s signing secret appears only in this answer' })
  @ApiBody({ schema: jsonSchema(requestSchema(CreateAuditSinkRequest)) })
  @ApiOkResponse({ description: 'The new sink (delivering from the start of the history), with a webhook\'s secret in `secret`.', schema: jsonSchema(createdAuditSinkSchema) })
  @ApiErrors(auditSinkErrors(InvalidRequest))
  async create(@Body() body: unknown, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest) {
    const input = validateBody(CreateAuditSinkRequest, body);
    const created = await this.sinks.create(acting(principal, request), input);
    return { ...created.sink, secret: created.secret };
  }

  @Get()
  @Access('admin')
  @ApiOperation({ operationId: 'listAuditSinks', summary: 'The organization\'s audit sinks, oldest first (never their secrets)' })
  @ApiOkResponse({ description: 'Every sink of the organization.', schema: jsonSchema(auditSinkListSchema) })
  async list(@CurrentPrincipal() principal: Principal) {
    return { data: await this.sinks.list(principal.organizationId), next_page: null };
  }

  @Get(':id')
  @Access('admin')
  @ApiOperation({ operationId: 'getAuditSink', summary: 'A sink: its position, lag, state, failures and last error' })
  @ApiOkResponse({ description: 'The sink.', schema: jsonSchema(auditSinkSchema) })
  @ApiErrors(auditSinkErrors(AuditSinkNotFound))
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.sinks.get(principal.organizationId, id);
  }

  @Delete(':id')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({ operationId: 'deleteAuditSink', summary: 'Stop streaming to the sink and forget it' })
  @ApiOkResponse({ description: 'The deletion.', schema: jsonSchema(deletedAuditSinkSchema) })
  @ApiErrors(auditSinkErrors(AuditSinkNotFound))
  async remove(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest) {
    await this.sinks.delete(acting(principal, request), id);
    return { id, type: 'audit_sink_deleted' };
  }

  @Post(':id/resume')

  @Idempotent()
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({ operationId: 'resumeAuditSink', summary: 'Deliver again after a pause, from the sink\'s position on' })
  @ApiOkResponse({ description: 'The sink, active.', schema: jsonSchema(auditSinkSchema) })
  @ApiErrors(auditSinkErrors(AuditSinkNotFound))
  resume(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest) {
    return this.sinks.resume(acting(principal, request), id);
  }

  @Post(':id/replay')

  @Idempotent()
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({ operationId: 'replayAuditSink', summary: 'Deliver again from an event or version id (included) or an RFC 3339 time on' })
  @ApiBody({ schema: jsonSchema(requestSchema(ReplayAuditSinkRequest)) })
  @ApiOkResponse({ description: 'The sink, at its new position.', schema: jsonSchema(auditSinkSchema) })
  @ApiErrors(auditSinkErrors(InvalidRequest, AuditSinkNotFound))
  replay(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest) {
    const input = validateBody(ReplayAuditSinkRequest, body);
    return this.sinks.replay(acting(principal, request), id, input.from);
  }
}
