import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Database, DATABASE } from '../../../database/database';
import { apiKeyNotFound, decideApiKey } from '../../domain/api-key.decider';
import { ApiKeyRecord, findApiKey } from '../../projections/api-keys.read-model';
import { ApiKeyExecutor } from '../api-key.executor';
import { newSecret } from '../api-key-secret';
import { RotateApiKeyCommand } from './rotate-api-key.command';

@CommandHandler(RotateApiKeyCommand)
export class RotateApiKeyHandler implements ICommandHandler<RotateApiKeyCommand, ApiKeyRecord & { key: string }> {
  constructor(
    private readonly executor: ApiKeyExecutor,
    @Inject(DATABASE) private readonly db: Database,
  ) {}

  async execute({ apiKeyId, graceMs, organizationId, context, secret: chosen }: RotateApiKeyCommand): Promise<ApiKeyRecord & { key: string }> {
    const organization = organizationId ?? (await findApiKey(this.db, apiKeyId))?.state.organization_id;
    if (organization === undefined) throw apiKeyNotFound(apiKeyId);
    const { secret, key_hash, key_hint } = newSecret(chosen);
    const rotated = await this.executor.execute(
      organization,
      apiKeyId,
      (state, _tx, now) =>
        decideApiKey({ type: 'RotateApiKey', data: { api_key_id: apiKeyId, key_hash, key_hint, grace_ms: graceMs }, metadata: { now } }, state),
      context,
    );
    return { ...rotated!, key: secret };
  }
}
