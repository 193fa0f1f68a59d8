// Edits to a gateway file made by the engine (a promotion, a password): applied with
// jsonc-parser so the user's layout and any field not touched stay as they were, written beside
// the file and renamed over it so a crash leaves the old file or the new one.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { JSONPath } from 'jsonc-parser';
import { applyEdits, modify } from 'jsonc-parser';

export async function editJsonFile(file: string, edits: Array<[JSONPath, unknown]>): Promise<void> {
  let text = await readFile(file, 'utf8');
  const format = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } };
  for (const [at, value] of edits) text = applyEdits(text, modify(text, at, value, format));
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text.endsWith('\n') ? text : `${text}\n`);
    await rename(temporary, file);
  } finally {
    await rm(temporary, { force: true });
  }
}
