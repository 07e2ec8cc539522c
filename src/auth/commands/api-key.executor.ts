import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, Clock } from '../../common/clock';
import { Database, DATABASE, Sql } from '../../database/database';
import type { ChangeContext } from '../../event-store/event-store';
import { runStreamCommand } from '../../event-store/stream-command';
import { ApiKeyCache } from '../api-key-cache';
import { ApiKeyEvent, ApiKeyState, apiKeyStreamId, evolveApiKey } from '../domain/api-key';
import { projectApiKeyEvents } from '../projections/api-keys.projection';
import { ApiKeyRecord, findApiKey } from '../projections/api-keys.read-model';

/** Bumped when the shape of a key event's data changes; stored in its metadata. */
export const API_KEY_EVENT_SCHEMA_VERSION = 1;

/** What a key command decides, given the key's state (null: no such key) inside the organization's log lock. */
export type DecideKey = (state: ApiKeyState | null, tx: Sql, now: string) => Promise<ApiKeyEvent[]> | ApiKeyEvent[];

/**
 * The write path of keys, like the environments': the key's row is its
 * snapshot; its events go to its own stream in the organization's log and
 * are projected inline (the key's row and its history).
 */
@Injectable()
export class ApiKeyExecutor {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly cache: ApiKeyCache,
  ) {}

  /** Runs the command; once it has committed (or failed), this process's cached keys are dropped, so the change is in force for the next request. */
  async execute(organizationId: string, apiKeyId: string, decide: DecideKey, context: ChangeContext): Promise<ApiKeyRecord | null> {
    try {
      return await this.run(organizationId, apiKeyId, decide, context);
    } finally {
      this.cache.invalidate();
    }
  }

  private async run(organizationId: string, apiKeyId: string, decide: DecideKey, context: ChangeContext): Promise<ApiKeyRecord | null> {
    let lastUsedAt: string | null = null;
    const state = await runStreamCommand<ApiKeyState | null, ApiKeyEvent>(
      this.db,
      this.clock,
      organizationId,
      {
        streamId: apiKeyStreamId(apiKeyId),
        schemaVersion: API_KEY_EVENT_SCHEMA_VERSION,
        load: async (tx) => {
          const found = await findApiKey(tx, apiKeyId, organizationId);
          lastUsedAt = found?.last_used_at ?? null;
          return found?.state ?? null;
        },
        versionOf: (s) => s?.version ?? 0,
        decide,
        evolve: evolveApiKey,
        project: (tx, evolved) => projectApiKeyEvents(tx, evolved),
      },
      context,
    );
    return state && { state, last_used_at: lastUsedAt };
  }
}
