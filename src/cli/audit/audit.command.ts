import { Command } from 'nest-commander';
import { CommandGroup } from '../cli-command';
import { AuditSinksCommand } from './audit-sinks.command';
import { CheckpointCommand } from './checkpoint.command';
import { ExportAuditCommand } from './export-audit.command';
import { KeygenCommand } from './keygen.command';
import { VerifyAuditCommand } from './verify-audit.command';

@Command({
  name: 'audit',
  description: 'check, sign, export and stream the hash-chained audit log',
  subCommands: [VerifyAuditCommand, CheckpointCommand, KeygenCommand, ExportAuditCommand, AuditSinksCommand],
})
export class AuditCommand extends CommandGroup {}
