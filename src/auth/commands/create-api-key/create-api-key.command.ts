import { Command } from '@nestjs/cqrs';
import type { ChangeContext } from '../../../event-store/event-store';
import type { Scope } from '../../domain/scope';
import type { ApiKeyRecord } from '../../projections/api-keys.read-model';

export interface NewApiKey {
  organizationId: string;
  name: string | null;
  scope: Scope;
  expiresAt: string | null;
  /** A given secret (the bootstrap key); otherwise a new random one. */
  secret?: string;
}

/** Creates a key; the answer carries its secret, which is never shown again. */
export class CreateApiKeyCommand extends Command<ApiKeyRecord & { key: string }> {
  constructor(
    readonly key: NewApiKey,
    readonly context: ChangeContext,
  ) {
    super();
  }
}
