import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, SystemClock } from '../common/clock';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Database, DATABASE } from './database';

@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
    this.logger.log('database connections closed');
  }
}

/**
 * Provides the database, opened here (running pending migrations) or handed
 * in already open, once per application; closes it on shutdown.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(opened?: Database): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        opened
          ? { provide: DATABASE, useValue: opened }
          : {
              provide: DATABASE,
              inject: [APP_CONFIG],
              useFactory: (config: AppConfig) => Database.open(config.database, { migrate: true }),
            },
        { provide: CLOCK, useClass: SystemClock },
        DatabaseLifecycle,
      ],
      exports: [DATABASE, CLOCK],
    };
  }
}
