import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, Clock } from '../../common/clock';
import { newEventId } from '../../common/ids';
import { Database, DATABASE, Sql } from '../../database/database';
import { appendToStream, ChangeContext, metadataFor, StreamVersionConflict } from '../../event-store/event-store';
import { inOrganizationLog } from '../../event-store/organization-log';
import { ApiKeyEvent, ApiKeyState, apiKeyStreamId, evolveApiKey } from '../domain/api-key';
import { EvolvedApiKeyEvent, projectApiKeyEvents } from '../projections/api-keys.projection';
import { ApiKeyRecord, findApiKey } from '../projections/api-keys.read-model';

/** Bumped when the shape of a key event's data changes; stored in its metadata. */
export const API_KEY_EVENT_SCHEMA_VERSION = 1;
const MAX_ATTEMPTS = 5;

/** What a key command decides, given the key's state (null: no such key) inside the organization's log lock. */
export type DecideKey = (state: ApiKeyState | null, tx: Sql, now: string) => Promise<ApiKeyEvent[]> | ApiKeyEvent[];

/**
 * The write path of keys, like the environments': one transaction in the
 * organization's log, the key's row as its snapshot, decide, append to the
 * key's stream, project inline (the key's row and its history).
 */
@Injectable()
export class ApiKeyExecutor {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(organizationId: string, apiKeyId: string, decide: DecideKey, context: ChangeContext): Promise<ApiKeyRecord | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await inOrganizationLog(this.db, this.clock, organizationId, async (tx, now) => {
          const found = await findApiKey(tx, apiKeyId, organizationId);
          const events = await decide(found?.state ?? null, tx, now);
          if (events.length === 0) return found;
          return { state: await this.append(tx, found?.state ?? null, events, organizationId, context, now), last_used_at: found?.last_used_at ?? null };
        });
      } catch (error) {
        // Only a writer that skipped the organization's lock can win this race; try again on the new state.
        if (error instanceof StreamVersionConflict && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  /** Appends a key's events at its current version and projects them; returns the state after them. */
  async append(tx: Sql, before: ApiKeyState | null, events: ApiKeyEvent[], organizationId: string, context: ChangeContext, now: string): Promise<ApiKeyState> {
    const id = events[0].data.api_key_id;
    const stored = await appendToStream(
      tx,
      apiKeyStreamId(id),
      before?.version ?? 0,
      events.map((event) => ({ event_id: newEventId(), event })),
      metadataFor(organizationId, context, API_KEY_EVENT_SCHEMA_VERSION),
      now,
    );
    let state = before;
    const evolved: EvolvedApiKeyEvent[] = stored.map((s) => ({ stored: s, after: (state = evolveApiKey(state, s.event)) }));
    await projectApiKeyEvents(tx, evolved);
    return state!;
  }
}
