import { Command } from 'nest-commander';
import { CommandGroup } from '../cli-command';
import { CreateKeyCommand } from './create-key.command';
import { ListKeysCommand } from './list-keys.command';
import { RevokeKeyCommand } from './revoke-key.command';
import { RotateKeyCommand } from './rotate-key.command';

@Command({ name: 'keys', description: 'manage API keys', subCommands: [CreateKeyCommand, ListKeysCommand, RotateKeyCommand, RevokeKeyCommand] })
export class KeysCommand extends CommandGroup {}
