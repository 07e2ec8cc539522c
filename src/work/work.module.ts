import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule } from '../auth/auth.module';
import { EnvironmentsModule } from '../environments/environments.module';
import { WorkExecutor } from './commands/work.executor';
import { EnvironmentKeysService } from './environment-keys.service';
import { EnvironmentKeysController, WorkVersionsController } from './http/environment-keys.controller';
import { WorkController } from './http/work.controller';
import { WorkQueueService } from './work-queue.service';
import { WorkSignals } from './work-signals';

/**
 * Self-hosted environments: environment keys (checked for the global guard)
 * and the work queue their workers run against. The lease sweeper is in
 * WorkLeasesModule, which only the service imports.
 */
@Module({
  imports: [CqrsModule, AuthModule, EnvironmentsModule],
  controllers: [WorkController, EnvironmentKeysController, WorkVersionsController],
  providers: [WorkExecutor, WorkSignals, WorkQueueService, EnvironmentKeysService],
  exports: [WorkExecutor, WorkQueueService, EnvironmentKeysService],
})
export class WorkModule {}
