// The CLI as a user runs it: a real process, real files, real exit codes.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectOk, runBranchyard, tempDir } from '../testing/index.ts';

const branchyard = (args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  runBranchyard(args, options);

describe('branchyard CLI', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => void (tmp = await tempDir()));
  afterEach(() => tmp.dispose());

  it('init then doctor --json: one JSON document on stdout, every check present', async () => {
    const ws = path.join(tmp.path, 'ws');
    const init = await branchyard(['init', ws, '--json']);
    expectOk(init);
    expect(JSON.parse(init.stdout)).toMatchObject({
      root: ws,
      name: 'ws',
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
    });

    const doctor = await branchyard(['--workspace', ws, 'doctor', '--json'], {
      env: { BRANCHYARD_AI_KEY: 'sk-test-secret-value' },
    });
    expectOk(doctor);
    const report = JSON.parse(doctor.stdout) as { checks: Array<{ id: string; status: string; detail: string }> };
    expect(report.checks.map((c) => c.id)).toEqual([
      'workspace',
      'docker',
      'postgres',
      'llm',
      'electron',
      'gateway-ports',
    ]);
    expect(report.checks.find((c) => c.id === 'llm')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('key set in BRANCHYARD_AI_KEY'),
    });
    expect(doctor.stdout).not.toContain('sk-test-secret-value');
  });

  it('human output shows progress on stderr and the result on stdout', async () => {
    const ws = path.join(tmp.path, 'ws');
    const init = await branchyard(['init', ws]);
    expectOk(init);
    const port = async (gateway: string) =>
      (JSON.parse(await readFile(path.join(ws, 'gateways', `${gateway}.json`), 'utf8')) as { port: number }).port;
    const shift = (await port('development')) - 7443; // another workspace or program may hold the template's ports
    const moved =
      shift === 0 ? '' : ` (moved up ${shift}: the template's ports are taken by another workspace or program)`;
    const gateways = `development :${await port('development')}, production :${await port('production')}, staging :${await port('staging')}`;
    expect(init.stdout).toBe(
      `Created workspace ws at ${ws}\nGateways: ${gateways}${moved}\nNext: branchyard --workspace ${ws} doctor\n`,
    );
    expect(init.stderr).toContain('[4/5] making the workspace a git repository');
  });

  it('codebase list is empty in a new workspace and finds the workspace from a subfolder', async () => {
    const ws = path.join(tmp.path, 'ws');
    await branchyard(['init', ws]);
    const list = await branchyard(['codebase', 'list', '--json'], { cwd: path.join(ws, 'gateways') });
    expectOk(list);
    expect(JSON.parse(list.stdout)).toEqual([]);
    const human = await branchyard(['codebase', 'list'], { cwd: ws });
    expect(human.stdout).toContain('No codebases yet');
  });

  it('exit 1 with the file and field named when a config is wrong', async () => {
    const ws = path.join(tmp.path, 'ws');
    await branchyard(['init', ws]);
    const file = path.join(ws, 'gateways', 'staging.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/"port": \d+/, '"port": "abc"'));
    const list = await branchyard(['--workspace', ws, 'codebase', 'list', '--json']);
    expect(list.code).toBe(1);
    expect(list.stderr).toBe('branchyard: gateways/staging.json: port: expected a number from 1 to 65535, got "abc"\n');
    expect(JSON.parse(list.stdout)).toEqual({
      error: {
        kind: 'WorkspaceConfigError',
        message: 'gateways/staging.json: port: expected a number from 1 to 65535, got "abc"',
      },
    });
    // doctor still runs and reports the broken workspace instead of failing.
    const doctor = await branchyard(['--workspace', ws, 'doctor', '--json']);
    expectOk(doctor);
    expect(JSON.parse(doctor.stdout).checks[0]).toMatchObject({
      id: 'workspace',
      status: 'missing',
      detail: expect.stringContaining('gateways/staging.json: port'),
    });
  });

  it('exit 1 for init into a non-empty folder or a file, exit 1 outside any workspace', async () => {
    const ws = path.join(tmp.path, 'ws');
    await branchyard(['init', ws]);
    const again = await branchyard(['init', ws]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^branchyard: .+ws is not empty \(it holds/);
    const file = path.join(tmp.path, 'file');
    await writeFile(file, '');
    expect((await branchyard(['init', file])).stderr).toContain('is a file, not a folder');
    const outside = await branchyard(['codebase', 'list'], { cwd: tmp.path });
    expect(outside.code).toBe(1);
    // The engine's hint, as the CLI words it: the command to type.
    expect(outside.stderr).toMatch(
      /^branchyard: no workspace at or above .+ \(no branchyard\.json found\); pass --workspace <dir> or create one with `branchyard init <dir>`$/m,
    );
  });

  it('exit 2 when the command line itself is wrong, 0 for --help', async () => {
    expect((await branchyard(['frobnicate'])).code).toBe(2);
    expect((await branchyard(['init'])).code).toBe(2);
    expect((await branchyard(['doctor', '--colour'])).code).toBe(2);
    const help = await branchyard(['--help']);
    expectOk(help);
    expect(help.stdout).toContain('doctor');
  });
});
