import { describe, expect, it } from 'vitest';
import { applyEdit } from './edit-text.ts';

const refusal = (content: string, oldText: string, newText: string) => {
  const result = applyEdit(content, oldText, newText);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.content)}`);
  return result.reason;
};

describe('applyEdit: one exact piece replaced', () => {
  it('replaces the one occurrence and says on which line it was', () => {
    expect(applyEdit('a\nb\nc\n', 'b\n', 'B\nB2\n')).toEqual({ ok: true, content: 'a\nB\nB2\nc\n', line: 2 });
    expect(applyEdit('first', 'first', '')).toEqual({ ok: true, content: '', line: 1 });
  });

  it('refuses a piece that occurs more than once, naming the lines, and changes nothing', () => {
    expect(refusal('x = 1;\ny = 2;\nx = 1;\n', 'x = 1;', 'x = 3;')).toBe(
      '"old_text" occurs 2 times (lines 1, 3); include more of the lines around the one you mean so it occurs once',
    );
  });

  it('refuses a piece that is absent, pointing at a line that differs only in spacing', () => {
    expect(refusal('function f() {\n\treturn  1;\n}\n', '  return 1;\n}', '  return 2;\n}')).toBe(
      '"old_text" does not occur in the file (line 2 has its first line with other spacing or indentation); read_file shows its exact text',
    );
    expect(refusal('abc', 'xyz', 'q')).toBe('"old_text" does not occur in the file; read_file shows its exact text');
  });

  it('refuses an empty piece and an edit that changes nothing', () => {
    expect(refusal('abc', '', 'x')).toMatch(/"old_text" is empty/);
    expect(refusal('abc', 'b', 'b')).toMatch(/are the same/);
  });
});
