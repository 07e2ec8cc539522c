import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { AuditStreamDeliveryModule } from './audit-stream/deliverer';
import { AuditStreamModule } from './audit-stream/audit-stream.module';
import type { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { ConsoleModule } from './console/console.module';
import type { Database } from './database/database';
import { DatabaseModule } from './database/database.module';
import { EnvironmentsModule } from './environments/environments.module';
import { HealthModule } from './health/health.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { MetricsModule } from './metrics/metrics.module';
import { ServiceMetrics } from './metrics/service-metrics';
import { OrganizationsModule } from './organizations/organizations.module';
import { OpenApiModule } from './openapi/openapi.module';
import { WorkLeasesModule } from './work/lease-sweeper';
import { WorkModule } from './work/work.module';

@Module({})
export class AppModule {
  /** `database`: already open, so that failing to reach it is reported before Nest starts. */
  static forRoot(config: AppConfig, database?: Database, metrics: ServiceMetrics = new ServiceMetrics()): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(database), EnvironmentsModule, AuditModule, OrganizationsModule, WorkModule, WorkLeasesModule, AuditStreamModule, AuditStreamDeliveryModule, HealthModule, IdempotencyModule, MetricsModule.forRoot(metrics, config.metrics), OpenApiModule, ConsoleModule],
    };
  }
}
