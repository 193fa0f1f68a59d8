// The embedded engine state of a serving engine is open only while it is used: a PGlite no query
// has used for a while is closed (its memory given back) and opened again by the next query, which
// gets its answer and the data written before. Real PGlite in a temporary folder.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store/index.ts';
import { openStore } from '../store/index.ts';
import { tempDir } from '../testing/index.ts';

interface Idle {
  isOpen: boolean;
  opens: number;
}

/** The rows of a statement (StateDb is typed for both backends, so its results are not). */
async function rows(statement: ReturnType<typeof sql>, db: Store['db']): Promise<unknown[]> {
  return ((await db.execute(statement)) as unknown as { rows: unknown[] }).rows;
}

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the engine state, closed when idle', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: Store;
  let idle: Idle;

  beforeAll(async () => {
    dir = await tempDir('branchyard-state-idle-');
    store = await openStore({ stateDir: dir.path, databaseUrl: '', idleCloseMs: 300 });
    idle = (store.db as unknown as { $client: Idle }).$client;
  });
  afterAll(async () => {
    await store.close();
    await dir.dispose();
  });

  it('closes after its idle time and opens again for the next query, with what was written before', async () => {
    // Opened to bring the schema up to date, then let go.
    expect(idle.opens).toBe(1);
    await store.db.execute(sql`create table idle_notes (id int primary key, body text)`);
    await store.db.execute(sql`insert into idle_notes values (1, 'kept')`);
    await until('the state to close', () => !idle.isOpen);

    expect(await rows(sql`select body from idle_notes where id = 1`, store.db)).toEqual([{ body: 'kept' }]);
    expect(idle.opens).toBe(2);
  });

  it('is opened once for many queries at once, and stays open through a transaction longer than its idle time', async () => {
    await until('the state to close', () => !idle.isOpen);
    const before = idle.opens;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => rows(sql`select ${i}::int as n`, store.db)));
    expect(answers.map((a) => (a[0] as { n: number }).n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(idle.opens).toBe(before + 1);

    await store.db.transaction(async (tx) => {
      await tx.execute(sql`insert into idle_notes values (2, 'in a transaction')`);
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(idle.isOpen).toBe(true);
      await tx.execute(sql`update idle_notes set body = 'committed' where id = 2`);
    });
    expect(await rows(sql`select body from idle_notes where id = 2`, store.db)).toEqual([{ body: 'committed' }]);
  });

  it('refuses queries once closed, saying so', async () => {
    const other = await tempDir('branchyard-state-idle-closed-');
    const closed = await openStore({ stateDir: other.path, databaseUrl: '', idleCloseMs: 300 });
    await closed.close();
    const error = await closed.db.execute(sql`select 1`).then(
      () => undefined,
      (thrown: Error & { cause?: Error }) => thrown,
    );
    // drizzle names the query and keeps the reason as its cause.
    expect(error?.cause?.message ?? error?.message).toMatch(/engine state is closed/);
    await other.dispose();
  });
});
