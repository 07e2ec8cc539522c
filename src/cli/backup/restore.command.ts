import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Inject } from '@nestjs/common';
import { Command, Option } from 'nest-commander';
import { assertNotInUse, copyFile, fsyncFileAndDirectory, removeDatabaseFiles, removeSidecarFiles, renameDurably, temporaryBeside } from '../../backup/sqlite-files';
import type { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.module';
import { ExitCode, given, LongTaskCommand } from '../cli-command';
import { print } from '../output';
import { checkCopy, POSTGRES_RECIPE } from './check-copy';

interface RestoreOptions {
  from: string;
  force?: true;
  quiet?: true;
}

@Command({
  name: 'restore',
  description: 'replace the SQLite database with a backup, once the backup verifies (stop the service first)',
})
export class RestoreCommand extends LongTaskCommand<RestoreOptions> {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  protected async execute(_: string[], options: RestoreOptions): Promise<ExitCode> {
    const database = this.config.database;
    if (database.type !== 'sqlite') this.usageError(`restore replaces a SQLite database; ${POSTGRES_RECIPE}`);
    if (database.path === ':memory:') this.usageError('an in-memory database cannot be restored into');
    const from = resolve(options.from);
    const target = database.path;
    if (!existsSync(from)) this.usageError(`${from} does not exist`);
    if (from === target) this.usageError('--from names the database itself');
    if (existsSync(`${from}-wal`) && statSync(`${from}-wal`).size > 0) {
      this.usageError(`${from} has a -wal file beside it: it is open, or was copied while open; restore from a file written by \`sandbase backup\``);
    }
    if (existsSync(target)) {
      if (!options.force) this.usageError(`${target} already exists; --force replaces it (take a backup of it first)`);
      assertNotInUse(target);
    }
    // The backup is copied beside the target, checked there, and renamed over it: the database
    // file is either the old one or the whole, verified backup, never something in between.
    mkdirSync(dirname(target), { recursive: true });
    const partial = temporaryBeside(target, 'restore');
    removeDatabaseFiles(partial);
    try {
      const progress = this.progress('restore', 'bytes', options);
      copyFile(from, partial, progress.onProgress);
      progress.finish();
      if (!(await checkCopy(partial, options.quiet === true))) {
        print(`the backup does NOT verify; ${target} was left as it was`);
        return 1;
      }
      fsyncFileAndDirectory(partial);
      // The old database's -wal would otherwise be replayed into the restored file.
      removeSidecarFiles(target);
      renameDurably(partial, target);
      print(`restored ${from} into ${target}`);
      return 0;
    } finally {
      removeDatabaseFiles(partial);
    }
  }

  @Option({ flags: '--from <file>', description: 'the backup to restore (a file written by `sandbase backup`)', required: true })
  parseFrom(value: string): string {
    return given(value);
  }

  @Option({ flags: '--force', description: 'replace the existing database' })
  parseForce(): true {
    return true;
  }
}
