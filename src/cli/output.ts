import { createWriteStream, WriteStream } from 'node:fs';

/** A line writer that respects backpressure, so long exports stream in constant memory. */
export function lineWriter(stream: NodeJS.WritableStream): (line: string) => Promise<void> {
  let failure: Error | null = null;
  stream.on('error', (error: Error) => (failure = error));
  return (line) =>
    new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure);
      if (stream.write(line)) resolve();
      else stream.once('drain', () => (failure ? reject(failure) : resolve()));
    });
}

/**
 * Creates `path` for writing, failing (before anything is exported) if it
 * already exists or cannot be created: an export never overwrites a file.
 */
export async function createOutputFile(path: string): Promise<WriteStream> {
  const stream = createWriteStream(path, { flags: 'wx' });
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new Error(`${path} already exists; choose a new file (an export never overwrites one)`);
    throw new Error(`cannot create ${path}: ${(error as Error).message}`);
  }
  return stream;
}

/** Ends a file stream and resolves once everything is on disk, or rejects with its write error. */
export function closeOutputFile(stream: WriteStream): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

/**
 * Exits once standard output and standard error have handed everything
 * written so far to the OS: `process.exit` alone drops what is still queued
 * for a slow pipe (`audit export | gzip`).
 */
export function flushAndExit(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}
