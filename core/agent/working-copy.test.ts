import { describe, expect, it } from 'vitest';
import { checkPath } from './working-copy.ts';

const refused = (input: unknown, mode: 'read' | 'write') => {
  const check = checkPath(input, mode);
  if (check.ok) throw new Error(`expected ${JSON.stringify(input)} to be refused for ${mode}, got ${check.path}`);
  return check.reason;
};

describe('checkPath: what the agent may read and write', () => {
  it('accepts relative paths inside the working copy, normalised', () => {
    expect(checkPath('src/app.ts', 'read')).toEqual({ ok: true, path: 'src/app.ts' });
    expect(checkPath('src/features/./notes/../notes/controllers/notes.ts', 'write')).toEqual({
      ok: true,
      path: 'src/features/notes/controllers/notes.ts',
    });
    expect(checkPath('src/features/', 'read')).toEqual({ ok: true, path: 'src/features' });
    expect(checkPath('.', 'read')).toEqual({ ok: true, path: '' });
    // Reading the managed files is fine; only writing them is refused.
    expect(checkPath('package.json', 'read')).toEqual({ ok: true, path: 'package.json' });
  });

  it('refuses escapes, absolute paths, backslashes and NUL bytes, saying what to do instead', () => {
    expect(refused('../other/src/app.ts', 'read')).toMatch(/leads outside the working copy/);
    expect(refused('src/../../etc/passwd', 'read')).toMatch(/leads outside the working copy/);
    expect(refused('..', 'read')).toMatch(/leads outside/);
    expect(refused('/etc/passwd', 'read')).toMatch(/is absolute; paths are relative/);
    expect(refused('src\\app.ts', 'read')).toMatch(/backslash/);
    expect(refused('src/app.ts\0.png', 'write')).toMatch(/NUL/);
  });

  it('refuses hidden files and node_modules anywhere in the path', () => {
    expect(refused('.env', 'write')).toMatch(/hidden file/);
    expect(refused('src/.secret/key.ts', 'read')).toMatch(/hidden file/);
    expect(refused('.git/config', 'read')).toMatch(/hidden file/);
    expect(refused('node_modules/zod/package.json', 'read')).toMatch(/node_modules, which Branchyard provides/);
    expect(refused('src/node_modules/x.ts', 'write')).toMatch(/node_modules/);
  });

  it('writes only under src/, never the managed files', () => {
    expect(refused('package.json', 'write')).toMatch(/managed by Branchyard/);
    expect(refused('tsconfig.json', 'write')).toMatch(/managed by Branchyard/);
    expect(refused('./package-lock.json', 'write')).toMatch(/managed by Branchyard/);
    expect(refused('readme.md', 'write')).toMatch(/only files under src\//);
    expect(refused('src', 'write')).toMatch(/only files under src\//);
  });

  it('answers missing or malformed paths with an example of a good one', () => {
    for (const input of [undefined, '', '   ', 42, null, ['src/app.ts']])
      expect(refused(input, 'read')).toMatch(/expected "path": a path relative to the working copy, such as src\//);
  });
});
