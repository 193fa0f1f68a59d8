// The embedded engine state, open only while it is used. PGlite's WebAssembly memory (128 MB at
// the least, ~200 MB once used) was most of an idle `serve`; a PGlite that no query has used for
// a while is closed, its memory given back, and opened again by the next query (a few hundred
// milliseconds). It stands in for a PGlite client under drizzle: every call drizzle makes
// (query, exec, transaction) is async, so each can wait for the folder to open.
import v8 from 'node:v8';
import vm from 'node:vm';
import type { PGlite } from '@electric-sql/pglite';

export class IdlePglite {
  private client: Promise<PGlite> | undefined;
  /** A close under way: the folder is never opened by two instances at once. */
  private closing: Promise<void> = Promise.resolve();
  private busy = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** How many times the folder was opened (for tests and diagnostics). */
  opens = 0;

  constructor(
    private readonly open: () => Promise<PGlite>,
    private readonly idleMs: number,
  ) {}

  get isOpen(): boolean {
    return this.client !== undefined;
  }

  query: PGlite['query'] = (...args) => this.use((client) => client.query(...args));
  exec: PGlite['exec'] = (...args) => this.use((client) => client.exec(...args));
  transaction: PGlite['transaction'] = (...args) => this.use((client) => client.transaction(...args));

  private async use<T>(work: (client: PGlite) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the engine state is closed');
    this.busy++;
    clearTimeout(this.timer);
    try {
      return await work(await this.opened());
    } finally {
      if (--this.busy === 0 && !this.closed) this.timer = setTimeout(() => void this.release(), this.idleMs).unref();
    }
  }

  private opened(): Promise<PGlite> {
    if (!this.client) {
      const opening = this.closing.then(() => {
        this.opens++;
        return this.open();
      });
      this.client = opening;
      // A folder that would not open is tried again by the next query.
      opening.catch(() => {
        if (this.client === opening) this.client = undefined;
      });
    }
    return this.client;
  }

  /** Closes the PGlite when nothing uses it; the next query opens it again. */
  release(): Promise<void> {
    const client = this.client;
    if (this.busy > 0 || !client) return this.closing;
    this.client = undefined;
    this.closing = this.closing
      .then(() => client)
      .then(
        (opened) => opened.close(),
        () => undefined,
      )
      .then(collectGarbage, () => undefined);
    return this.closing;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await this.closing;
    await (await client?.catch(() => undefined))?.close();
  }
}

let gc: (() => void) | undefined;
/**
 * A closed PGlite's memory goes back to the system only when V8 collects it, and an idle engine
 * allocates too little for that to happen soon: collected now.
 */
function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
}
