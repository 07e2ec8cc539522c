import { Inject, Injectable, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { ApiKeyCache } from './api-key-cache';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyExecutor } from './commands/api-key.executor';
import { CreateApiKeyHandler } from './commands/create-api-key/create-api-key.handler';
import { RevokeApiKeyHandler } from './commands/revoke-api-key/revoke-api-key.handler';
import { RotateApiKeyHandler } from './commands/rotate-api-key/rotate-api-key.handler';
import { ApiKeysController } from './http/api-keys.controller';
import { GetApiKeyHandler, ListApiKeysHandler } from './queries/api-key.queries';
import { ListHistoryHandler } from './queries/history.queries';
import { RouteAccessCheck, RouteAccessRegistry } from './route-access';
import { WorkerCredentialRegistry } from './worker-credentials';

/**
 * At start-up, before the first request: keys that predate key events get
 * their history, and SANDBASE_BOOTSTRAP_API_KEY is made sure to exist.
 */
@Injectable()
class KeysAtStartup implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: ApiKeysService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const adopted = await this.keys.adoptKeysWithoutHistory();
    if (adopted) this.logger.log(`recorded the creation of ${adopted} API key(s) that predate key history`);
    if (!this.config.bootstrapApiKey) return;
    const created = await this.keys.ensureBootstrapKey(this.config.bootstrapApiKey);
    if (created) this.logger.log(`created bootstrap API key ${created.id} (scope admin) in organization "default"`);
  }
}

/** API keys (event-sourced like environments), and the global guard that decides access for every route. */
@Module({
  imports: [CqrsModule, DiscoveryModule, RateLimitModule],
  controllers: [ApiKeysController],
  providers: [
    ListApiKeysHandler,
    GetApiKeyHandler,
    ListHistoryHandler,
    ApiKeyCache,
    ApiKeysService,
    ApiKeyExecutor,
    CreateApiKeyHandler,
    RotateApiKeyHandler,
    RevokeApiKeyHandler,
    KeysAtStartup,
    RouteAccessRegistry,
    RouteAccessCheck,
    WorkerCredentialRegistry,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeysService, RouteAccessRegistry, WorkerCredentialRegistry],
})
export class AuthModule {}
