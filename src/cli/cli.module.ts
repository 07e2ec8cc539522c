import { DynamicModule, Injectable, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { InjectCommander } from 'nest-commander';
import { AuditSinksService } from '../audit-stream/audit-sinks.service';
import { AuditStreamModule } from '../audit-stream/audit-stream.module';
import { ApiKeysService } from '../auth/api-keys.service';
import { AuthModule } from '../auth/auth.module';
import { CLOCK } from '../common/clock';
import type { AppConfig } from '../config/config';
import { ConfigModule } from '../config/config.module';
import { DATABASE } from '../database/database';
import { DatabaseModule } from '../database/database.module';
import { EnvironmentsModule } from '../environments/environments.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { WorkModule } from '../work/work.module';
import { EnvironmentKeysService } from '../work/environment-keys.service';
import { AuditCommand } from './audit/audit.command';
import { BackupCommand } from './backup/backup.command';
import { RestoreCommand } from './backup/restore.command';
import { CommanderCommand, strictCommand } from './cli-command';
import { ExportCommand } from './transfer/export.command';
import { ImportCommand } from './transfer/import.command';
import { EnvironmentsCommand } from './environments/environments.command';
import { KeysCommand } from './keys/keys.command';
import { FreezeCommand, UnfreezeCommand } from './organizations/freeze.command';
import { ProjectionsCommand } from './projections/projections.command';
import { IdempotencyRecordsModule } from '../idempotency/idempotency.module';

/** The top of the command tree: its name in the usage lines and the help that ends the overview. */
@Injectable()
class Program {
  constructor(@InjectCommander() program: CommanderCommand) {
    strictCommand(program)
      .name('sandbase')
      .description('Administer a Sandbase database: API keys, operator actions, freezes, projections, the audit log, export and import, backup and restore.')
      .addHelpText('after', '\nThe database is the one DATABASE_URL names (default ./data/sandbase.sqlite).');
  }
}

/** Names Nest looks up on every provider (lifecycle hooks, thenables): a placeholder answers them like an empty object. */
const PROBED = new Set(['then', 'onModuleInit', 'onApplicationBootstrap', 'onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown']);

/** Stands in for a service that needs the database when the command line does not (help, backup, restore). */
function notOpened(what: string): unknown {
  return new Proxy(
    {},
    {
      get(target, key) {
        if (typeof key !== 'string' || PROBED.has(key) || key in target) return Reflect.get(target, key);
        throw new Error(`${what} is not available to this command (the database was not opened)`);
      },
    },
  );
}

/** Every command, for the help and for commander to dispatch to. */
const COMMANDS = [
  Program,
  ...KeysCommand.registerWithSubCommands(),
  ...EnvironmentsCommand.registerWithSubCommands(),
  ...ProjectionsCommand.registerWithSubCommands(),
  ...AuditCommand.registerWithSubCommands(),
  ExportCommand,
  ImportCommand,
  FreezeCommand,
  UnfreezeCommand,
  BackupCommand,
  RestoreCommand,
];

/**
 * The same modules as the service, without HTTP: operator actions go through
 * the same command bus. Without `database` (help, backup, restore) nothing
 * opens the configured database: help works while it is unreachable, backup
 * opens its own connection, and restore must find the file unused.
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig, options: { database: boolean } = { database: true }): DynamicModule {
    if (!options.database) {
      return {
        module: CliModule,
        imports: [ConfigModule.forRoot(config), CqrsModule],
        providers: [
          ...COMMANDS,
          { provide: DATABASE, useValue: notOpened('the database') },
          { provide: CLOCK, useValue: notOpened('the clock') },
          { provide: ApiKeysService, useValue: notOpened('the API keys') },
          { provide: EnvironmentKeysService, useValue: notOpened('the environment keys') },
          { provide: AuditSinksService, useValue: notOpened('the audit sinks') },
        ],
      };
    }
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(), IdempotencyRecordsModule, AuthModule, CqrsModule, EnvironmentsModule, OrganizationsModule, WorkModule, AuditStreamModule],
      providers: COMMANDS,
    };
  }
}
