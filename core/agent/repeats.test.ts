import { describe, expect, it } from 'vitest';
import { RepeatWatch, STOP_AT, WARN_AT } from './repeats.ts';

const NOTHING = 'Nothing was changed, so there is no branch to make.';

describe('RepeatWatch: refused calls that repeat', () => {
  it('warns at the third refusal in a row of the same call and stops the revision at the fifth', () => {
    const watch = new RepeatWatch();
    const verdicts = Array.from({ length: STOP_AT }, () => watch.refused('finish', '{"summary":"done"}', NOTHING).kind);
    expect(verdicts).toEqual(['go-on', 'go-on', 'warn', 'warn', 'stuck']);
    expect(WARN_AT).toBe(3);
  });

  it('counts the same reason with other arguments, and the same arguments with spacing or key order changed', () => {
    const watch = new RepeatWatch();
    watch.refused('finish', '{"summary":"a"}', NOTHING);
    watch.refused('finish', '{"summary":"b"}', NOTHING);
    const warned = watch.refused('finish', '{"summary":"c"}', NOTHING);
    expect(warned).toMatchObject({ kind: 'warn', text: expect.stringContaining(`"${NOTHING}"`) });
    const other = new RepeatWatch();
    other.refused('read_file', '{"path":"a.ts","x":1}', 'no file a.ts');
    other.refused('read_file', '{ "x": 1, "path": "a.ts" }', 'no file a.ts (again)');
    expect(other.refused('read_file', '{"x":1,"path":"a.ts"}', 'other words').kind).toBe('warn');
  });

  it('starts again after a call that changed the working copy, or a refusal of another kind', () => {
    const watch = new RepeatWatch();
    watch.refused('finish', '{}', NOTHING);
    watch.refused('finish', '{}', NOTHING);
    watch.progressed();
    expect(watch.refused('finish', '{}', NOTHING).kind).toBe('go-on');
    watch.refused('finish', '{}', NOTHING);
    expect(watch.refused('edit_file', '{"path":"src/a.ts"}', '"old_text" does not occur in the file').kind).toBe(
      'go-on',
    );
  });

  it('says in the stop reason what was refused', () => {
    const watch = new RepeatWatch();
    let last = watch.refused('finish', '{}', NOTHING);
    for (let i = 1; i < STOP_AT; i++) last = watch.refused('finish', '{}', NOTHING);
    expect(last).toEqual({
      kind: 'stuck',
      reason: `the same call was refused ${STOP_AT} times in a row (finish: ${NOTHING})`,
    });
  });
});
