import { createWriteStream, WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

/** Writes one line; resolves once the stream can take more (backpressure). */
export type LineSink = (line: string) => Promise<void>;

/** What a failed output write is reported as: a reader that went away (`| head`) is named plainly. */
function outputError(stream: NodeJS.WritableStream, error: Error): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (stream === process.stdout && (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED')) {
    return new Error('standard output was closed before the export was complete (EPIPE)');
  }
  return error;
}

/**
 * A line writer that respects backpressure, so long exports stream in
 * constant memory, and that fails (rather than waiting for a 'drain' that
 * never comes) as soon as the stream does, e.g. when the reader of a pipe
 * exits early. `finish` resolves once every line was handed to the OS.
 */
export function lineWriter(stream: NodeJS.WritableStream): LineSink & { finish(): Promise<void> } {
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  stream.on('error', (error: Error) => {
    failure ??= outputError(stream, error);
    wake?.();
  });
  const write = (line: string) =>
    new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure);
      if (stream.write(line)) return resolve();
      const settle = () => {
        wake = null;
        stream.off('drain', settle);
        if (failure) reject(failure);
        else resolve();
      };
      wake = settle;
      stream.once('drain', settle);
    });
  const finish = () =>
    new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure);
      stream.write('', (error?: Error | null) => {
        if (error) failure ??= outputError(stream, error);
        if (failure) reject(failure);
        else resolve();
      });
    });
  return Object.assign(write, { finish });
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

/**
 * Ends a file stream and resolves once everything was written, or rejects
 * with the write error (a disk that filled up at the very end included).
 */
export function closeOutputFile(stream: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
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

/** One line on standard output. */
export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}
