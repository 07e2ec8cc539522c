import { Command } from '@nestjs/cqrs';
import type { ChangeContext } from '../../../event-store/event-store';
import type { ApiKeyRecord } from '../../projections/api-keys.read-model';

/**
 * A new secret for the same key (id, name, scope): the old secret stops at
 * once, or after `graceMs`. `organizationId`: the caller's organization
 * (HTTP); the operator's CLI may name any key.
 */
export class RotateApiKeyCommand extends Command<ApiKeyRecord & { key: string }> {
  constructor(
    readonly apiKeyId: string,
    readonly graceMs: number,
    readonly organizationId: string | null,
    readonly context: ChangeContext,
    /** A secret chosen by the caller (so an answer stored for an Idempotency-Key carries it); otherwise a new random one. */
    readonly secret?: string,
  ) {
    super();
  }
}
