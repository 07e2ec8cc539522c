import type { KeyObject } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { Option, SubCommand } from 'nest-commander';
import { AuditReport, verifyAudit } from '../../audit/audit-verify';
import type { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.module';
import { Database, DATABASE } from '../../database/database';
import { ExitCode, given, LongTaskCommand } from '../cli-command';
import { print } from '../output';
import type { Progress } from '../progress';
import { publicKeyFrom } from '../../audit/key-files';

/** The report of `audit verify`, one line per organization chain, then the verdict. */
export function printAuditReport(report: AuditReport): void {
  for (const chain of report.organizations) {
    const head = chain.head ? `#${chain.head.chain_seq} ${chain.head.hash}` : 'empty';
    print(
      chain.problem
        ? `FAILED  ${chain.organization_id}: ${chain.problem.message}`
        : `ok      ${chain.organization_id}: ${chain.events_checked} events, head ${head}`,
    );
  }
  for (const problem of report.problems) print(`FAILED  ${problem}`);
  if (report.checkpoints) {
    const newest = report.checkpoints.newest ? `, the newest made ${report.checkpoints.newest}` : '';
    print(`checkpoints: ${report.checkpoints.checked} checked${newest}`);
    for (const problem of report.checkpoints.problems) print(`FAILED  ${problem}`);
  }
  print(report.valid ? 'audit log verifies' : 'audit log does NOT verify');
}

/** Verifies every hash chain in one read snapshot, reporting events checked as it goes. */
export async function verifyAuditWithProgress(
  db: Database,
  options: { organization?: string; checkpointsDir?: string; publicKey?: KeyObject },
  progress: Progress,
): Promise<AuditReport> {
  const report = await db.session((s) => s.transaction((tx) => verifyAudit(tx, { ...options, onProgress: progress.onProgress }), 'read'));
  progress.finish();
  return report;
}

interface VerifyOptions {
  org?: string;
  checkpoints?: string;
  json?: true;
  quiet?: true;
}

@SubCommand({ name: 'verify', description: 'recompute the hash chains; exit 1 naming the first bad event' })
export class VerifyAuditCommand extends LongTaskCommand<VerifyOptions> {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  protected async execute(_: string[], options: VerifyOptions): Promise<ExitCode> {
    const { org, checkpoints, json } = options;
    const progress = this.progress('audit verify', 'events', options);
    const publicKey = checkpoints ? publicKeyFrom(this.config) : undefined;
    const report = await verifyAuditWithProgress(this.db, { organization: org, checkpointsDir: checkpoints, publicKey }, progress);
    if (json) print(JSON.stringify(report));
    else printAuditReport(report);
    return report.valid ? 0 : 1;
  }

  @Option({ flags: '--org <name>', description: 'only this organization' })
  parseOrg(value: string): string {
    return given(value);
  }

  @Option({ flags: '--checkpoints <dir>', description: 'also check the signed checkpoints in this directory' })
  parseCheckpoints(value: string): string {
    return given(value);
  }

  @Option({ flags: '--json', description: 'print the report as JSON' })
  parseJson(): true {
    return true;
  }
}
