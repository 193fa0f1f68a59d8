// Opening a PGlite data folder without keeping the memory its creation took. Creating a folder
// (initdb) grows PGlite's WebAssembly memory to ~650 MB, and a WebAssembly memory never shrinks,
// so an engine whose state was made at its start carried that for its whole run (a fresh
// workspace's `serve` settled at ~880 MB, a restarted one at ~460 MB). A new folder is made by
// one instance that is then closed; the caller gets a second one, opened on the made folder.
import { access } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

export async function openPgliteFolder(dataDir: string): Promise<PGlite> {
  const exists = await access(path.join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!exists) await (await PGlite.create(dataDir)).close();
  return PGlite.create(dataDir);
}
