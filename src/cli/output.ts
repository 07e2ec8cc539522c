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
