// Edits to a gateway file made by the engine (a promotion, a password): applied with
// jsonc-parser so the user's layout and any field not touched stay as they were, written beside
// the engine's staging folder (same disk, never walked by git: a temporary file beside the
// gateway file would be seen by a concurrent workspace commit) and renamed over the file, so a
// crash leaves the old file or the new one.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JSONPath } from 'jsonc-parser';
import { applyEdits, modify } from 'jsonc-parser';

export async function editJsonFile(file: string, stagingDir: string, edits: Array<[JSONPath, unknown]>): Promise<void> {
  let text = await readFile(file, 'utf8');
  const format = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } };
  for (const [at, value] of edits) text = applyEdits(text, modify(text, at, value, format));
  await mkdir(stagingDir, { recursive: true, mode: 0o700 });
  const temporary = path.join(
    stagingDir,
    `${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    await writeFile(temporary, text.endsWith('\n') ? text : `${text}\n`);
    await rename(temporary, file);
  } finally {
    await rm(temporary, { force: true });
  }
}
