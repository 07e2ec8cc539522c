import { closeSync, existsSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/** Called as a copy goes: units done so far, of how many. */
export type OnProgress = (done: number, total: number) => void;

/** Pages copied per step of the online backup at first (4 MiB of 4 KiB pages). */
const FIRST_STEP_PAGES = 1024;

/**
 * A new name beside `path` (same directory, so same file system: the final
 * rename is atomic) for a file being written.
 */
export function temporaryBeside(path: string, purpose: string): string {
  return join(dirname(path), `.${basename(path)}.${purpose}-${process.pid}`);
}

/** Removes the -wal, -shm and -journal files beside a SQLite file. */
export function removeSidecarFiles(path: string): void {
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

/** Removes a SQLite file and the files beside it. */
export function removeDatabaseFiles(path: string): void {
  rmSync(path, { force: true });
  removeSidecarFiles(path);
}

/** Flushes a file, and then its directory entry, to disk. */
export function fsyncFileAndDirectory(path: string): void {
  for (const target of [path, dirname(path)]) {
    const fd = openSync(target, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** Moves `from` onto `to` atomically and makes the rename durable. */
export function renameDurably(from: string, to: string): void {
  renameSync(from, to);
  fsyncFileAndDirectory(to);
}

/**
 * Copies the SQLite database at `source` to a new file `destination` with
 * SQLite's online backup API, from a connection of this process: other
 * processes (the service) keep reading and writing meanwhile. Each step
 * copies a number of pages inside one read transaction; when a write by
 * another process restarts the copy, the step grows (up to the whole file in
 * one step, which a WAL reader completes whatever the writers do), so the
 * copy always ends, as one consistent snapshot of the committed data.
 * Reports pages copied of the total.
 */
export async function backupDatabase(source: string, destination: string, onProgress?: OnProgress): Promise<{ pages: number }> {
  if (!existsSync(source)) throw new Error(`there is no database at ${source}`);
  const connection = new BetterSqlite3(source, { fileMustExist: true });
  try {
    connection.pragma('busy_timeout = 10000');
    let step = FIRST_STEP_PAGES;
    let lastRemaining = Infinity;
    const result = await connection.backup(destination, {
      progress({ totalPages, remainingPages }) {
        // More left than after the step before: another process wrote, and the copy restarted.
        if (remainingPages > lastRemaining) step = Math.min(step * 4, 0x7fffffff);
        lastRemaining = remainingPages;
        onProgress?.(totalPages - remainingPages, totalPages);
        return step;
      },
    });
    return { pages: result.totalPages };
  } finally {
    connection.close();
  }
}

/**
 * Throws unless no other process has the SQLite database at `path` open:
 * leaving WAL mode needs every other connection closed. (The service sets
 * WAL mode again when it opens the file.)
 */
export function assertNotInUse(path: string): void {
  const connection = new BetterSqlite3(path, { fileMustExist: true });
  try {
    connection.pragma('busy_timeout = 0');
    try {
      connection.pragma('journal_mode = DELETE');
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_BUSY') {
        throw new Error(`${path} is in use by another process (is the service running?); stop it before restoring`);
      }
      throw error;
    }
  } finally {
    connection.close();
  }
}

/** Copies a file byte for byte to a new file, reporting bytes copied of the size, and flushes it to disk. */
export function copyFile(from: string, to: string, onProgress?: OnProgress): void {
  const size = statSync(from).size;
  const input = openSync(from, 'r');
  let output: number | null = null;
  try {
    output = openSync(to, 'wx');
    const buffer = Buffer.allocUnsafe(1 << 20);
    let copied = 0;
    for (;;) {
      const read = readSync(input, buffer, 0, buffer.length, null);
      if (read === 0) break;
      for (let written = 0; written < read; ) written += writeSync(output, buffer, written, read - written);
      copied += read;
      onProgress?.(copied, size);
    }
    fsyncSync(output);
  } finally {
    closeSync(input);
    if (output !== null) closeSync(output);
  }
}
