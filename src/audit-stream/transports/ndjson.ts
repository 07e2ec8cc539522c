import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditRecord } from '../records';
import { DeliveryError, Transport } from './transport';

const lines = (records: readonly AuditRecord[]) => records.map((record) => `${JSON.stringify(record)}\n`).join('');

/** Appends NDJSON lines to a file in the operator's directory; acknowledged once they are on disk (fsync). */
export class FileTransport implements Transport {
  constructor(
    private readonly dir: string | null,
    private readonly name: string,
  ) {}

  async deliver(records: readonly AuditRecord[]): Promise<void> {
    if (this.dir === null) throw new DeliveryError('file sinks are off: SANDBASE_AUDIT_STREAM_FILE_DIR is not set');
    const path = join(this.dir, this.name);
    try {
      const file = await open(path, 'a', 0o640);
      try {
        await file.writeFile(lines(records));
        await file.sync();
      } finally {
        await file.close();
      }
    } catch (error) {
      throw new DeliveryError(`writing ${path} failed: ${(error as Error).message}`);
    }
  }
}

/** Writes NDJSON lines to standard output (for a log shipper); acknowledged once the stream took them. */
export class StdoutTransport implements Transport {
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  deliver(records: readonly AuditRecord[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.write(lines(records), (error) => (error ? reject(new DeliveryError(`standard output: ${error.message}`)) : resolve()));
    });
  }
}
