// A workspace pointed at a server kind the runtime cannot drive yet (ssh, remote-docker) is
// refused where the user looks: the doctor names the file and field, and commands that open the
// workspace (branch runs included) fail with the same words instead of running on this machine.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOk, runBranchyard, tempDir } from '../testing/index.ts';

const REFUSED = 'servers/config.json: servers.box.kind: "ssh" servers are not supported yet';

describe('servers/config.json with a remote server', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let ws: string;
  beforeAll(async () => {
    tmp = await tempDir();
    ws = path.join(tmp.path, 'ws');
    expectOk(await runBranchyard(['init', ws]));
    const file = path.join(ws, 'servers', 'config.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(
      file,
      JSON.stringify({ ...config, defaultServer: 'box', servers: { box: { kind: 'ssh', host: 'build-box' } } }),
    );
  });
  afterAll(() => tmp.dispose());

  it('doctor reports it as the workspace problem, with the file and field', async () => {
    const doctor = await runBranchyard(['--workspace', ws, 'doctor', '--json']);
    expectOk(doctor);
    const checks = (JSON.parse(doctor.stdout) as { checks: Array<{ id: string; status: string; detail: string }> })
      .checks;
    expect(checks.find((c) => c.id === 'workspace')).toMatchObject({
      status: 'missing',
      detail: expect.stringContaining(REFUSED),
    });
  });

  it('run refuses with the same error and exit 1', async () => {
    const run = await runBranchyard(['--workspace', ws, 'run', 'users', '1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(REFUSED);
  });
});
