// `branchyard gateway password`: the password comes on stdin, only its hash lands in the gateway
// file, and a missing password or an unknown gateway is refused by name.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../gateway/index.ts';
import { expectOk, runBranchyard, tempDir } from '../testing/index.ts';

describe('branchyard gateway password', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let ws: string;
  const cli = (args: string[], input?: string) =>
    runBranchyard(args, { cwd: ws, env: { BRANCHYARD_DATABASE_URL: '' }, input });
  const staging = async () =>
    JSON.parse(await readFile(path.join(ws, 'gateways', 'staging.json'), 'utf8')) as {
      access: { basicAuth: { users: Record<string, string> } | null };
    };

  beforeAll(async () => {
    tmp = await tempDir();
    ws = path.join(tmp.path, 'ws');
    expectOk(await runBranchyard(['init', ws]));
  });
  afterAll(() => tmp?.dispose());

  it('stores only a hash of the password read from stdin, and changes it on a second call', async () => {
    const set = await cli(['gateway', 'password', 'staging', 'alice'], 'correct horse battery\n');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('User alice can now sign in to staging');
    const file = await readFile(path.join(ws, 'gateways', 'staging.json'), 'utf8');
    expect(file).not.toContain('correct horse');
    const hash = (await staging()).access.basicAuth!.users.alice!;
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);

    expectOk(await cli(['gateway', 'password', 'staging', 'alice'], 'another one entirely'));
    const changed = (await staging()).access.basicAuth!.users.alice!;
    expect(changed).not.toBe(hash);
    expect(await verifyPassword('another one entirely', changed)).toBe(true);
    expect(await verifyPassword('correct horse battery', changed)).toBe(false);
  });

  it('refuses an empty password and an unknown gateway, leaving the files as they were', async () => {
    const before = await readFile(path.join(ws, 'gateways', 'staging.json'), 'utf8');
    const empty = await cli(['gateway', 'password', 'staging', 'bob'], '');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('no password on stdin');
    const unknown = await cli(['gateway', 'password', 'qa', 'bob'], 'some password');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/qa/);
    expect(await readFile(path.join(ws, 'gateways', 'staging.json'), 'utf8')).toBe(before);
  });
});
