import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { newApiKeyId } from '../../../common/ids';
import { decideApiKey } from '../../domain/api-key.decider';
import type { ApiKeyRecord } from '../../projections/api-keys.read-model';
import { ApiKeyExecutor } from '../api-key.executor';
import { newSecret } from '../api-key-secret';
import { CreateApiKeyCommand } from './create-api-key.command';

@CommandHandler(CreateApiKeyCommand)
export class CreateApiKeyHandler implements ICommandHandler<CreateApiKeyCommand, ApiKeyRecord & { key: string }> {
  constructor(private readonly executor: ApiKeyExecutor) {}

  async execute({ key, context }: CreateApiKeyCommand): Promise<ApiKeyRecord & { key: string }> {
    const id = newApiKeyId();
    const { secret, key_hash, key_hint } = newSecret(key.secret);
    const data = { api_key_id: id, organization_id: key.organizationId, name: key.name, scope: key.scope, key_hash, key_hint, expires_at: key.expiresAt };
    const created = await this.executor.execute(
      key.organizationId,
      id,
      (state, _tx, now) => decideApiKey({ type: 'CreateApiKey', data, metadata: { now } }, state),
      context,
    );
    return { ...created!, key: secret };
  }
}
