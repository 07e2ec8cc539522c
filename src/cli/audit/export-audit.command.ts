import { Inject } from '@nestjs/common';
import { Option, SubCommand } from 'nest-commander';
import { exportVersions } from '../../audit/audit-export';
import { isStorableInstant, millisecondBound } from '../../common/page-cursor';
import { Database, DATABASE } from '../../database/database';
import { CliCommand, ExitCode, invalidValue, given } from '../cli-command';
import { lineWriter } from '../output';

@SubCommand({ name: 'export', description: 'stream the audit history as NDJSON, oldest first' })
export class ExportAuditCommand extends CliCommand<{ since?: string; org?: string }> {
  constructor(@Inject(DATABASE) private readonly db: Database) {
    super();
  }

  protected async execute(_: string[], { since, org }: { since?: string; org?: string }): Promise<ExitCode> {
    const write = lineWriter(process.stdout);
    await exportVersions(this.db, { since: since === undefined ? undefined : millisecondBound(since, 'lower'), organization: org }, write);
    await write.finish();
    return 0;
  }

  @Option({ flags: '--since <rfc3339>', description: 'only versions recorded at or after this time' })
  parseSince(value: string): string {
    if (!isStorableInstant(value)) throw invalidValue('it must be an RFC 3339 timestamp');
    return value;
  }

  @Option({ flags: '--org <name>', description: 'only this organization' })
  parseOrg(value: string): string {
    return given(value);
  }
}
