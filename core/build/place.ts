// Build outputs are content-addressed: they are assembled aside and renamed into place, and
// when two builds of the same content race, the first one in place wins and the other's
// identical copy is dropped.
import { rename, rm } from 'node:fs/promises';

export async function placeBuildOutput(staging: string, final: string): Promise<void> {
  await rename(staging, final).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    await rm(staging, { recursive: true, force: true });
  });
}
