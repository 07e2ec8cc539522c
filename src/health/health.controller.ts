import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Access } from '../auth/scopes';
import { Database, DATABASE } from '../database/database';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { livenessSchema, readinessSchema } from './health.schema';
import { jsonSchema } from '../openapi/params';

/** How long readiness waits for the database before answering 503. */
export const READY_TIMEOUT_MS = 2000;

/** Unauthenticated probes for load balancers and orchestrators. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** The process is up and serving HTTP. */
  @Get('live')
  @Access('public')
  @ApiOperation({ operationId: 'liveness', summary: 'Liveness probe' })
  @ApiOkResponse({ description: 'The process is up.', schema: jsonSchema(livenessSchema) })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** The process can serve requests: its database answers. */
  @Get('ready')
  @Access('public')
  @ApiOperation({ operationId: 'readiness', summary: 'Readiness probe: the database answers' })
  @ApiOkResponse({ description: 'Ready.', schema: jsonSchema(readinessSchema) })
  @ApiResponse({ status: 503, description: 'The database does not answer.', schema: jsonSchema(readinessSchema) })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ status: string; database: string }> {
    try {
      await this.db.ping(READY_TIMEOUT_MS);
      return { status: 'ok', database: 'up' };
    } catch {
      reply.status(503);
      return { status: 'unavailable', database: 'down' };
    }
  }
}
