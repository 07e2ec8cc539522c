import { Inject, Injectable, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysService } from './api-keys.service';
import { RouteAccessCheck, RouteAccessRegistry } from './route-access';

/** SANDBASE_BOOTSTRAP_API_KEY: make sure that key exists before the first request. */
@Injectable()
class BootstrapApiKey implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: ApiKeysService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.bootstrapApiKey) return;
    const created = await this.keys.ensureBootstrapKey(this.config.bootstrapApiKey);
    if (created) this.logger.log(`created bootstrap API key ${created.id} in organization "default"`);
  }
}

/** API keys, and the global guard that decides access for every route. */
@Module({
  imports: [DiscoveryModule, RateLimitModule],
  providers: [
    ApiKeysService,
    BootstrapApiKey,
    RouteAccessRegistry,
    RouteAccessCheck,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeysService, RouteAccessRegistry],
})
export class AuthModule {}
