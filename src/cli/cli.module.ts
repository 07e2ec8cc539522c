import { DynamicModule, Injectable, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { InjectCommander } from 'nest-commander';
import { AuthModule } from '../auth/auth.module';
import type { AppConfig } from '../config/config';
import { ConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { EnvironmentsModule } from '../environments/environments.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { AuditCommand } from './audit/audit.command';
import { CommanderCommand, strictCommand } from './cli-command';
import { ExportCommand } from './transfer/export.command';
import { ImportCommand } from './transfer/import.command';
import { EnvironmentsCommand } from './environments/environments.command';
import { KeysCommand } from './keys/keys.command';
import { FreezeCommand, UnfreezeCommand } from './organizations/freeze.command';
import { ProjectionsCommand } from './projections/projections.command';

/** The top of the command tree: its name in the usage lines and the help that ends the overview. */
@Injectable()
class Program {
  constructor(@InjectCommander() program: CommanderCommand) {
    strictCommand(program)
      .name('sandbase')
      .description('Administer a Sandbase database: API keys, operator actions, freezes, projections, the audit log, export and import.')
      .addHelpText('after', '\nThe database is the one DATABASE_URL names (default ./data/sandbase.sqlite).');
  }
}

/** The same modules as the service, without HTTP: operator actions go through the same command bus. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(), AuthModule, CqrsModule, EnvironmentsModule, OrganizationsModule],
      providers: [
        Program,
        ...KeysCommand.registerWithSubCommands(),
        ...EnvironmentsCommand.registerWithSubCommands(),
        ...ProjectionsCommand.registerWithSubCommands(),
        ...AuditCommand.registerWithSubCommands(),
        ExportCommand,
        ImportCommand,
        FreezeCommand,
        UnfreezeCommand,
      ],
    };
  }
}
