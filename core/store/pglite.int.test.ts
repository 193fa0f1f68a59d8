// A PGlite data folder created at engine start must not leave the memory of its creation
// (initdb) held for the engine's whole run. Measured in a child process of its own, after a
// forced GC, beside PGlite.create on a fresh folder: the reference that holds it.
import { execFile } from 'node:child_process';
import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';
import { openPgliteFolder, pgliteTemplateDir } from './pglite.ts';

const MODULE = fileURLToPath(new URL('./pglite.ts', import.meta.url));
const PGLITE = fileURLToPath(new URL('../../node_modules/@electric-sql/pglite/dist/index.js', import.meta.url));

/** The external memory (WebAssembly included) of a process that opened `dir` one way, in MB. */
function externalAfterOpen(dir: string, how: 'engine' | 'plain'): Promise<number> {
  const open =
    how === 'engine'
      ? `(await import(${JSON.stringify(MODULE)})).openPgliteFolder(dir)`
      : `(await import(${JSON.stringify(PGLITE)})).PGlite.create(dir)`;
  const script = `const dir = ${JSON.stringify(dir)}; const db = await ${open}; await db.query('select 1'); global.gc(); await new Promise((r) => setTimeout(r, 200)); global.gc(); console.log(process.memoryUsage().external / 1e6); await db.close();`;
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script],
      { timeout: 240_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(Number(stdout.trim().split('\n').at(-1))),
    ),
  );
}

describe('openPgliteFolder', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => void (tmp = await tempDir()));
  afterAll(() => tmp.dispose());

  it(
    'creates a new data folder and keeps hundreds of MB less than the instance that created it',
    { timeout: 300_000 },
    async () => {
      const [engine, plain] = await Promise.all([
        externalAfterOpen(path.join(tmp.path, 'engine'), 'engine'),
        externalAfterOpen(path.join(tmp.path, 'plain'), 'plain'),
      ]);
      await access(path.join(tmp.path, 'engine', 'PG_VERSION'));
      // Measured: ~230 MB against ~660 MB.
      expect(plain).toBeGreaterThan(450);
      expect(engine).toBeLessThan(plain - 250);
    },
  );
});

describe('new data folders from the template', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => void (tmp = await tempDir()));
  afterAll(() => tmp.dispose());

  it(
    'makes the template once, copies it for each new folder, and remakes one cut short',
    { timeout: 300_000 },
    async () => {
      const env = { BRANCHYARD_CACHE_DIR: path.join(tmp.path, 'cache') };
      const template = pgliteTemplateDir(env);
      // A template folder left without its completion mark (a creation cut short) is made again.
      await mkdir(template, { recursive: true });
      await writeFile(path.join(template, 'garbage'), 'half made');
      const first = await openPgliteFolder(path.join(tmp.path, 'a'), env);
      await first.exec('create table kept (id int)');
      await first.close();
      expect(await readdir(template)).not.toContain('garbage');
      expect(await readdir(template)).toContain('branchyard-template-complete');

      // A data folder whose creation was cut short (no PG_VERSION) is replaced by a fresh copy.
      await mkdir(path.join(tmp.path, 'b'));
      await writeFile(path.join(tmp.path, 'b', 'partial'), '');
      const second = await openPgliteFolder(path.join(tmp.path, 'b'), env);
      // A copy of the template, not of another database: the table made in `a` is not there.
      expect((await second.query(`select count(*)::int as n from pg_tables where tablename = 'kept'`)).rows).toEqual([
        { n: 0 },
      ]);
      await second.close();
      expect(await readdir(path.join(tmp.path, 'b'))).not.toContain('partial');
      expect(await readdir(path.join(tmp.path, 'b'))).not.toContain('branchyard-template-complete');

      // An existing folder is opened as it is.
      const again = await openPgliteFolder(path.join(tmp.path, 'a'), env);
      expect((await again.query(`select count(*)::int as n from pg_tables where tablename = 'kept'`)).rows).toEqual([
        { n: 1 },
      ]);
      await again.close();
    },
  );
});
