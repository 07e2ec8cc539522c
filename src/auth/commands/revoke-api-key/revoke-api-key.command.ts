import { Command } from '@nestjs/cqrs';
import type { ChangeContext } from '../../../event-store/event-store';
import type { ApiKeyRecord } from '../../projections/api-keys.read-model';

/**
 * Revokes a key at once. Over HTTP (`organizationId` set) the organization's
 * last active admin key is protected; the operator's CLI may revoke any key.
 */
export class RevokeApiKeyCommand extends Command<ApiKeyRecord> {
  constructor(
    readonly apiKeyId: string,
    readonly organizationId: string | null,
    readonly context: ChangeContext,
  ) {
    super();
  }
}
