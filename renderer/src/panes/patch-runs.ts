// A patch as runs of lines of one kind (added, removed, a hunk's header, context), so that it is
// drawn as a few coloured spans rather than one element per line.
export type Kind = 'add' | 'del' | 'hunk' | undefined;

function kindOf(line: string): Kind {
  if (line.startsWith('+') && !line.startsWith('+++')) return 'add';
  if (line.startsWith('-') && !line.startsWith('---')) return 'del';
  if (line.startsWith('@@')) return 'hunk';
  return undefined;
}

/** The patch's lines grouped into runs of one kind, each run one span. */
export function patchRuns(patch: string): { kind: Kind; text: string }[] {
  const runs: { kind: Kind; lines: string[] }[] = [];
  for (const line of patch.split('\n')) {
    const kind = kindOf(line);
    const last = runs.at(-1);
    if (last && last.kind === kind) last.lines.push(line);
    else runs.push({ kind, lines: [line] });
  }
  return runs.map((r) => ({ kind: r.kind, text: `${r.lines.join('\n')}\n` }));
}
