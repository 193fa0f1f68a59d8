import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';
import { ensureCodebase, listCodebases, openStore, pgliteDataDir } from './index.ts';
import { describeStoreContract } from './store.contract.ts';
import { olderMigrationsFolder } from './fixtures/old-migrations.ts';

describeStoreContract('PGlite', async () => {
  const dir = await tempDir();
  const stateDir = path.join(dir.path, 'state');
  return {
    open: () => openStore({ stateDir, databaseUrl: '' }),
    async writeWithOlderSchema(seed) {
      await mkdir(stateDir, { recursive: true });
      const client = await PGlite.create(pgliteDataDir(stateDir));
      await migrate(drizzle({ client }), {
        migrationsFolder: await olderMigrationsFolder(path.join(dir.path, 'old-migrations'), 1),
      });
      for (const statement of seed) await client.exec(statement);
      await client.close();
    },
    dispose: dir.dispose,
  };
});

const HOLDER = fileURLToPath(new URL('./fixtures/hold-store.ts', import.meta.url));

/** Starts the fixture in its own process and waits until it holds the state. */
async function startHolder(mode: 'hold' | 'mid-write', stateDir: string): Promise<ChildProcess> {
  // `node --import tsx` keeps the fixture in this very process, so its pid is the lock's pid.
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, mode, stateDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('READY')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`the holder exited (${code}) before it was ready: ${output}`)));
  });
  return child;
}

async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('embedded engine state (PGlite)', () => {
  let cleanup: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  it('refuses a second engine in the same process with "in use by process N"', async () => {
    const dir = await tempDir();
    cleanup.push(dir.dispose);
    const first = await openStore({ stateDir: dir.path, databaseUrl: '' });
    cleanup.push(() => first.close());
    await expect(openStore({ stateDir: dir.path, databaseUrl: '' })).rejects.toMatchObject({
      kind: 'StoreInUseError',
      message: expect.stringContaining(`is in use by process ${process.pid} (this process)`),
    });
    // The refused open must not have disturbed the first engine.
    await ensureCodebase(first.db, 'still-works');
    expect((await listCodebases(first.db)).map((c) => c.name)).toEqual(['still-works']);
  });

  it('refuses a second engine from another process, and takes the state over once that process died', async () => {
    const dir = await tempDir();
    cleanup.push(dir.dispose);
    const holder = await startHolder('hold', dir.path);
    cleanup.push(() => void holder.kill('SIGKILL'));
    await expect(openStore({ stateDir: dir.path, databaseUrl: '' })).rejects.toThrow(
      `is in use by process ${holder.pid} since`,
    );
    await kill9(holder);
    const store = await openStore({ stateDir: dir.path, databaseUrl: '' });
    cleanup.push(() => store.close());
    expect(await listCodebases(store.db)).toEqual([]);
  });

  it('an engine killed mid-transaction leaves the committed state and none of the open transaction', async () => {
    const dir = await tempDir();
    cleanup.push(dir.dispose);
    const writer = await startHolder('mid-write', dir.path);
    await kill9(writer);
    const store = await openStore({ stateDir: dir.path, databaseUrl: '' });
    cleanup.push(() => store.close());
    expect((await listCodebases(store.db)).map((c) => c.name)).toEqual(['committed']);
    await ensureCodebase(store.db, 'after-crash');
    expect((await listCodebases(store.db)).map((c) => c.name)).toEqual(['after-crash', 'committed']);
  });
});
