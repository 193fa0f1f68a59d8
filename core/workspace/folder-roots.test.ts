// The folders the window may name: absolute paths only; under an allowed root, symbolic links
// followed, not in a hidden folder there; a folder still to be made is judged by its parent.
import { mkdir, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';
import { ALLOWED_ROOTS_ENV, allowedFolderRoots, checkFolder } from './index.ts';

describe('folders the window may name', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let root: string;
  beforeAll(async () => {
    tmp = await tempDir();
    root = path.join(tmp.path, 'allowed');
    await mkdir(path.join(root, 'code'), { recursive: true });
    await mkdir(path.join(root, '.ssh'), { recursive: true });
    await symlink('/etc', path.join(root, 'etc-link'));
  });
  afterAll(() => tmp.dispose());

  it('refuses a relative path, with or without roots, naming it', async () => {
    await expect(checkFolder('--dir', 'code')).rejects.toMatchObject({
      kind: 'InvalidInputError',
      message: expect.stringContaining('--dir "code": expected an absolute path'),
    });
    await expect(checkFolder('workspace folder', '../x', [root])).rejects.toThrow(
      'workspace folder "../x": expected an absolute path',
    );
  });

  it('takes any absolute folder without roots (the CLI), normalised', async () => {
    await expect(checkFolder('--dir', '/etc/default/../default')).resolves.toBe('/etc/default');
  });

  it('takes folders under a root, made or still to be made', async () => {
    await expect(checkFolder('--dir', path.join(root, 'code'), [root])).resolves.toBe(path.join(root, 'code'));
    await expect(checkFolder('workspace folder', path.join(root, 'new', 'ws'), [root])).resolves.toBe(
      path.join(root, 'new', 'ws'),
    );
  });

  it('refuses folders outside the roots, naming the folder and the roots', async () => {
    const error = await checkFolder('--dir', '/etc/default', [root, '/nowhere']).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'InvalidInputError' });
    expect((error as Error).message).toContain(
      `--dir /etc/default: is outside the folders the window may name (${root}, /nowhere)`,
    );
    await expect(checkFolder('--dir', path.join(root, '..', 'elsewhere'), [root])).rejects.toThrow(
      'is outside the folders',
    );
    await expect(checkFolder('--dir', '/proc/self', [root])).rejects.toThrow('is outside the folders');
  });

  it('follows symbolic links out of a root, and refuses hidden folders in one', async () => {
    await expect(checkFolder('--dir', path.join(root, 'etc-link', 'default'), [root])).rejects.toThrow(
      'is outside the folders',
    );
    await expect(checkFolder('--dir', path.join(root, '.ssh'), [root])).rejects.toThrow(
      `is in a hidden folder under ${root}`,
    );
    // Unless another root takes it as it is (the open workspace may sit in a hidden folder).
    await expect(checkFolder('--dir', path.join(root, '.ssh'), [root, path.join(root, '.ssh')])).resolves.toBe(
      path.join(root, '.ssh'),
    );
  });

  it('defaults to the home, the temporary folder and the app data; the variable replaces them', () => {
    expect(allowedFolderRoots({ HOME: '/home/u' })).toEqual([
      '/home/u',
      path.resolve(os.tmpdir()),
      '/home/u/.local/share/branchyard',
    ]);
    expect(allowedFolderRoots({ HOME: '/home/u', [ALLOWED_ROOTS_ENV]: `/srv/code${path.delimiter}/tmp/x/` })).toEqual([
      '/srv/code',
      '/tmp/x',
    ]);
    expect(() => allowedFolderRoots({ [ALLOWED_ROOTS_ENV]: 'code' })).toThrow(
      `${ALLOWED_ROOTS_ENV}: code is not an absolute folder`,
    );
  });
});
