// The TLS contexts a gateway made for the names clients asked for, bounded, the least recently
// used dropped first. Making one costs tens of milliseconds (a certificate issued and signed,
// then a context built on the event loop: 37 ms each at load 20 here). The bound used to empty
// the whole cache at once, so every name's next handshake paid again together, and the
// development gateway of a workspace with 1,000 branches answers to more names than the bound.

export class TlsContexts<T> {
  /** In use order: a Map keeps insertion order, so the first key is the least recently used. */
  private readonly entries = new Map<string, Promise<T>>();

  constructor(
    private readonly max: number,
    private readonly make: (name: string) => Promise<T>,
  ) {}

  get(name: string): Promise<T> {
    const known = this.entries.get(name);
    if (known) {
      this.entries.delete(name);
      this.entries.set(name, known);
      return known;
    }
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    const made = this.make(name);
    this.entries.set(name, made);
    // A failure is not kept: the next handshake for the name tries again.
    made.catch(() => this.entries.get(name) === made && this.entries.delete(name));
    return made;
  }

  get size(): number {
    return this.entries.size;
  }
}
