import { join } from 'node:path';
import { Inject } from '@nestjs/common';
import { Option, SubCommand } from 'nest-commander';
import { writeCheckpoint } from '../../audit/checkpoints';
import { CLOCK, Clock } from '../../common/clock';
import type { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.module';
import { Database, DATABASE } from '../../database/database';
import { CliCommand, ExitCode, given } from '../cli-command';
import { print } from '../output';
import { signingKey } from '../../audit/key-files';

@SubCommand({ name: 'checkpoint', description: 'write a signed digest of every chain head (store it off the database)' })
export class CheckpointCommand extends CliCommand<{ dir: string }> {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    super();
  }

  protected async execute(_: string[], { dir }: { dir: string }): Promise<ExitCode> {
    if (!this.config.audit.signingKeyFile) this.usageError('audit checkpoint needs SANDBASE_AUDIT_SIGNING_KEY_FILE');
    const key = signingKey(this.config.audit.signingKeyFile);
    const { file, checkpoint } = await this.db.session((s) =>
      s.transaction((tx) => writeCheckpoint(tx, dir, key, () => this.clock.now()), 'read'),
    );
    print(`wrote ${join(dir, file)} (${checkpoint.heads.length} organization chain heads)`);
    return 0;
  }

  @Option({ flags: '--dir <dir>', description: 'the directory of checkpoints', required: true })
  parseDir(value: string): string {
    return given(value);
  }
}
