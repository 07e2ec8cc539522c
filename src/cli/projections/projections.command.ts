import { Command } from 'nest-commander';
import { CommandGroup } from '../cli-command';
import { RebuildProjectionsCommand } from './rebuild-projections.command';
import { VerifyProjectionsCommand } from './verify-projections.command';

@Command({ name: 'projections', description: 'rebuild or check the read models', subCommands: [RebuildProjectionsCommand, VerifyProjectionsCommand] })
export class ProjectionsCommand extends CommandGroup {}
