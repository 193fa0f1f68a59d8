import { describe, expect, it } from 'vitest';
import { patchRuns } from './patch-runs.ts';

describe('a patch as runs of one kind', () => {
  it('joins consecutive lines of a kind, keeps every line, and tells file headers from changes', () => {
    const added = Array.from({ length: 2000 }, (_, i) => `+row ${i}`);
    const patch = [
      '--- a/users.ts',
      '+++ b/users.ts',
      '@@ -1,2 +1,2001 @@',
      ' const USERS = [',
      '-];',
      ...added,
      '',
    ].join('\n');
    const runs = patchRuns(patch);
    expect(runs.map((r) => r.kind)).toEqual([undefined, 'hunk', undefined, 'del', 'add', undefined]);
    expect(runs.find((r) => r.kind === 'add')!.text.split('\n')).toHaveLength(2001);
    expect(runs.map((r) => r.text).join('')).toBe(`${patch}\n`);
  });
});
