import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Inject } from '@nestjs/common';
import { Command, Option } from 'nest-commander';
import { backupDatabase, fsyncFileAndDirectory, removeDatabaseFiles, renameDurably, temporaryBeside } from '../../backup/sqlite-files';
import type { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.module';
import { ExitCode, given, LongTaskCommand } from '../cli-command';
import { print } from '../output';
import { checkCopy, POSTGRES_RECIPE } from './check-copy';

interface BackupOptions {
  out: string;
  force?: true;
  quiet?: true;
}

@Command({
  name: 'backup',
  description: 'copy the SQLite database while the service runs, then verify the copy (audit chains, projections)',
})
export class BackupCommand extends LongTaskCommand<BackupOptions> {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  protected async execute(_: string[], options: BackupOptions): Promise<ExitCode> {
    const database = this.config.database;
    if (database.type !== 'sqlite') this.usageError(`backup copies a SQLite database; ${POSTGRES_RECIPE}`);
    if (database.path === ':memory:') this.usageError('an in-memory database has nothing to back up');
    const out = resolve(options.out);
    if (out === database.path) this.usageError('--out names the database itself');
    if (existsSync(out) && !options.force) this.usageError(`${out} already exists; choose a new file, or --force to replace it`);
    // Written beside the target and renamed once verified: the file named --out is always a whole, checked backup.
    const partial = temporaryBeside(out, 'partial');
    removeDatabaseFiles(partial);
    try {
      const progress = this.progress('backup', 'pages', options);
      const { pages } = await backupDatabase(database.path, partial, progress.onProgress);
      progress.finish(pages);
      const sound = await checkCopy(partial, options.quiet === true);
      if (!sound) {
        print(`backup does NOT verify; nothing was written to ${out}`);
        return 1;
      }
      fsyncFileAndDirectory(partial);
      renameDurably(partial, out);
      print(`backup written to ${out} (${pages} pages) and verified`);
      return 0;
    } finally {
      removeDatabaseFiles(partial);
    }
  }

  @Option({ flags: '--out <file>', description: 'the file to write the backup to', required: true })
  parseOut(value: string): string {
    return given(value);
  }

  @Option({ flags: '--force', description: 'replace --out if it exists' })
  parseForce(): true {
    return true;
  }
}
