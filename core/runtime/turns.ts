// Work that must not interleave, queued by key: operations on one branch (a delete from one
// start must not land between another start's delete and start), and PM2 commands into one
// codebase's PM2. Keys are independent, so one branch never waits for another.

export class Turns {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `work` once every earlier work of the same key has settled, failed or not. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Whether anything of this key is queued or running. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }
}
