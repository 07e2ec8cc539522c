import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Access } from '../auth/scopes';
import { Database, DATABASE } from '../database/database';

/** How long readiness waits for the database before answering 503. */
export const READY_TIMEOUT_MS = 2000;

/** Unauthenticated probes for load balancers and orchestrators. */
@Controller('health')
export class HealthController {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** The process is up and serving HTTP. */
  @Get('live')
  @Access('public')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** The process can serve requests: its database answers. */
  @Get('ready')
  @Access('public')
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
