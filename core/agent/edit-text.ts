// `edit_file`: one exact piece of a file replaced by another, as the best coding agents edit.
// A one-line change to a long file then costs the model that line, not the whole file again.
// The piece must occur exactly once, so an edit never lands somewhere the model did not mean;
// a refusal says how to make it unique or where a near match is.

export type EditResult = { ok: true; content: string; line: number } | { ok: false; reason: string };

export function applyEdit(content: string, oldText: string, newText: string): EditResult {
  if (oldText === '')
    return {
      ok: false,
      reason: '"old_text" is empty; give the exact text to replace (use write_file to create a file)',
    };
  if (oldText === newText)
    return { ok: false, reason: '"old_text" and "new_text" are the same, so nothing would change' };
  const first = content.indexOf(oldText);
  if (first === -1)
    return {
      ok: false,
      reason: `"old_text" does not occur in the file${nearMatch(content, oldText)}; read_file shows its exact text`,
    };
  const second = content.indexOf(oldText, first + 1);
  if (second !== -1) {
    const lines = occurrences(content, oldText).map((at) => lineAt(content, at));
    return {
      ok: false,
      reason: `"old_text" occurs ${lines.length} times (lines ${lines.slice(0, 10).join(', ')}); include more of the lines around the one you mean so it occurs once`,
    };
  }
  return {
    ok: true,
    content: content.slice(0, first) + newText + content.slice(first + oldText.length),
    line: lineAt(content, first),
  };
}

function occurrences(content: string, piece: string): number[] {
  const found: number[] = [];
  for (let at = content.indexOf(piece); at !== -1; at = content.indexOf(piece, at + 1)) found.push(at);
  return found;
}

function lineAt(content: string, index: number): number {
  let line = 1;
  for (let i = content.indexOf('\n'); i !== -1 && i < index; i = content.indexOf('\n', i + 1)) line += 1;
  return line;
}

/** Where the first line of the piece occurs with other spacing: the usual reason it is not found. */
function nearMatch(content: string, piece: string): string {
  const wanted = squash(piece.split('\n').find((l) => l.trim() !== '') ?? '');
  if (wanted === '') return '';
  const index = content.split('\n').findIndex((line) => squash(line) === wanted);
  return index === -1 ? '' : ` (line ${index + 1} has its first line with other spacing or indentation)`;
}

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
