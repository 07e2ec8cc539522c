/** A promise-chain mutex: one holder at a time, in arrival order. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private holders = 0;

  /** Nobody holds it and nobody waits for it. */
  get idle(): boolean {
    return this.holders === 0;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    this.holders++;
    await previous;
    try {
      return await fn();
    } finally {
      this.holders--;
      release();
    }
  }
}
