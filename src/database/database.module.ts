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

/** Opens the database (running pending migrations) once per application, and closes it on shutdown. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: { migrate: boolean } = { migrate: true }): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DATABASE,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => Database.open(config.database, options),
        },
        { provide: CLOCK, useClass: SystemClock },
        DatabaseLifecycle,
      ],
      exports: [DATABASE, CLOCK],
    };
  }
}
