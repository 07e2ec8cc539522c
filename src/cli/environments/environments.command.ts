import { Command } from 'nest-commander';
import { CommandGroup } from '../cli-command';
import { ArchiveEnvironmentCommand } from './archive-environment.command';
import { DeleteEnvironmentCommand } from './delete-environment.command';
import { EnvironmentKeysCommand } from './environment-keys.command';

@Command({ name: 'environments', description: 'operator actions on environments', subCommands: [ArchiveEnvironmentCommand, DeleteEnvironmentCommand, EnvironmentKeysCommand] })
export class EnvironmentsCommand extends CommandGroup {}
