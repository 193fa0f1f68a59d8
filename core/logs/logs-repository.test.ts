// Both ways of committing (the git command, and isomorphic-git where it is missing) record the
// same thing: new files, files renamed when they were closed (committed before or not), nothing else.
import { execFileSync } from 'node:child_process';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';
import { workspacePaths } from '../workspace/index.ts';
import { LogsRepository } from './logs-repository.ts';

describe.each([true, false])('the logs repository (git command: %s)', (gitCommand) => {
  it('commits what the writers name, in batches, and follows renames', async () => {
    const tmp = await tempDir();
    try {
      const ws = workspacePaths(path.join(tmp.path, 'ws'));
      await mkdir(ws.engineDir, { recursive: true });
      const repo = await LogsRepository.open({
        workspace: ws,
        repository: '../ws-logs',
        commitIntervalMs: 0,
        gitCommand,
      });
      expect(repo.root).toBe(path.join(tmp.path, 'ws-logs'));
      const dir = repo.folder('users', 2, 'pm2');
      await mkdir(dir, { recursive: true });
      const file = (name: string) => path.join(dir, name);
      await writeFile(file('open-20261121-100000.log'), 'one\n');
      repo.changed({ written: [file('open-20261121-100000.log')], removed: [] });
      await repo.commit();
      // Closed and renamed; a second file opened, closed and renamed before any commit saw it.
      await rename(file('open-20261121-100000.log'), file('1k-20261121-100000.log'));
      await writeFile(file('open-20261121-100100.log'), 'two\n');
      await rename(file('open-20261121-100100.log'), file('1k-20261121-100100.log'));
      await writeFile(file('open-20261121-100200.log'), 'three\n');
      repo.changed({
        written: [file('1k-20261121-100000.log'), file('1k-20261121-100100.log'), file('open-20261121-100200.log')],
        removed: [file('open-20261121-100000.log'), file('open-20261121-100100.log')],
      });
      await repo.close();
      const git = (...args: string[]) => execFileSync('git', ['-C', repo.root, ...args]).toString();
      expect(git('ls-tree', '-r', '--name-only', 'HEAD').split('\n').filter(Boolean)).toEqual([
        'README.md',
        'codebases/users/branches/00002/pm2/1k-20261121-100000.log',
        'codebases/users/branches/00002/pm2/1k-20261121-100100.log',
        'codebases/users/branches/00002/pm2/open-20261121-100200.log',
      ]);
      expect(git('rev-list', '--count', 'HEAD').trim()).toBe('3');
      expect(git('show', 'HEAD:codebases/users/branches/00002/pm2/1k-20261121-100100.log')).toBe('two\n');
    } finally {
      await tmp.dispose();
    }
  });
});
