import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Database, DATABASE } from '../../../database/database';
import { apiKeyNotFound, decideApiKey } from '../../domain/api-key.decider';
import { ApiKeyRecord, countActiveAdminKeys, findApiKey } from '../../projections/api-keys.read-model';
import { ApiKeyExecutor } from '../api-key.executor';
import { RevokeApiKeyCommand } from './revoke-api-key.command';

@CommandHandler(RevokeApiKeyCommand)
export class RevokeApiKeyHandler implements ICommandHandler<RevokeApiKeyCommand, ApiKeyRecord> {
  constructor(
    private readonly executor: ApiKeyExecutor,
    @Inject(DATABASE) private readonly db: Database,
  ) {}

  async execute({ apiKeyId, organizationId, context }: RevokeApiKeyCommand): Promise<ApiKeyRecord> {
    const organization = organizationId ?? (await findApiKey(this.db, apiKeyId))?.state.organization_id;
    if (organization === undefined) throw apiKeyNotFound(apiKeyId);
    const protect = organizationId !== null;
    const revoked = await this.executor.execute(
      organization,
      apiKeyId,
      async (state, tx, now) => {
        // Counted under the organization's log lock, so two admins revoking each other cannot both succeed.
        const admins = protect ? await countActiveAdminKeys(tx, organization, now) : 0;
        const data = { api_key_id: apiKeyId, protect_last_admin: protect, active_admin_keys: admins };
        return decideApiKey({ type: 'RevokeApiKey', data, metadata: { now } }, state);
      },
      context,
    );
    return revoked!;
  }
}
