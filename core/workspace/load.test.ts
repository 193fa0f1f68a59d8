import { readFile, rm, writeFile, mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cp } from 'node:fs/promises';
import { tempDir } from '../testing/index.ts';
import { initWorkspace, loadWorkspace, locateWorkspace, WorkspaceConfigError } from './index.ts';

// One pristine workspace, copied fresh for each test: init once, break a copy many times.
let pristine: string;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let ws: string;
let counter = 0;

beforeAll(async () => {
  tmp = await tempDir();
  pristine = (await initWorkspace({ dir: path.join(tmp.path, 'pristine'), name: 'acme' })).root;
});
afterAll(() => tmp.dispose());
beforeEach(async () => {
  ws = path.join(tmp.path, `ws-${counter++}`);
  await cp(pristine, ws, { recursive: true });
});

const edit = async (file: string, change: (json: Record<string, unknown>) => void) => {
  const full = path.join(ws, file);
  const json = JSON.parse(await readFile(full, 'utf8')) as Record<string, unknown>;
  change(json);
  await writeFile(full, JSON.stringify(json));
};

async function problemsOf(root: string): Promise<string[]> {
  try {
    await loadWorkspace(root);
  } catch (error) {
    expect(error).toBeInstanceOf(WorkspaceConfigError);
    return (error as Error).message.split('\n');
  }
  throw new Error('expected the workspace to fail loading');
}

describe('loadWorkspace: bad config files are named by file, field and reason', () => {
  it('a port of the wrong type', async () => {
    await edit('gateways/staging.json', (j) => (j.port = 'abc'));
    expect(await problemsOf(ws)).toEqual(['gateways/staging.json: port: expected a number from 1 to 65535, got "abc"']);
  });

  it('a port out of range and a missing field, both reported in one go', async () => {
    await edit('gateways/development.json', (j) => (j.httpPort = 70000));
    await edit('ai/config.json', (j) => delete j.model);
    expect(await problemsOf(ws)).toEqual([
      'ai/config.json: model: missing (expected a model name)',
      'gateways/development.json: httpPort: expected a number from 1 to 65535, got 70000',
    ]);
  });

  it('a missing required file', async () => {
    await rm(path.join(ws, 'servers/config.json'));
    const problems = await problemsOf(ws);
    expect(problems).toContain(
      'servers/config.json: missing: a workspace needs this file (a fresh copy is in templates/workspace/)',
    );
  });

  it('an empty file', async () => {
    await writeFile(path.join(ws, 'ai/config.json'), '  \n');
    expect(await problemsOf(ws)).toEqual(['ai/config.json: is empty, expected a JSON object']);
  });

  it('a file that is not JSON, with the line and column', async () => {
    await writeFile(path.join(ws, 'gateways/production.json'), '{\n  "port": 7445,\n  "httpPort": ,\n}');
    const [problem] = await problemsOf(ws);
    expect(problem).toMatch(/^gateways\/production\.json: is not valid JSON: .+ at line 3, column 15$/);
  });

  it('a misspelt field, and a secret that must never live in the workspace', async () => {
    await edit('gateways/staging.json', (j) => (j.protectd = true));
    await edit('ai/config.json', (j) => (j.apiKey = 'sk-live-123'));
    const problems = await problemsOf(ws);
    expect(problems).toContain('gateways/staging.json: protectd: unknown field (check its spelling)');
    expect(problems).toContain(
      'ai/config.json: apiKey: secrets are never stored in the workspace; set it in the environment or the OS keychain and remove this field',
    );
    expect(problems.join('\n')).not.toContain('sk-live-123');
  });

  // init may have moved the template's ports off taken ones: read what development got.
  const development = async () =>
    JSON.parse(await readFile(path.join(ws, 'gateways/development.json'), 'utf8')) as {
      port: number;
      httpPort: number;
    };

  it('two gateways on one port', async () => {
    const { port } = await development();
    await edit('gateways/staging.json', (j) => (j.port = port));
    expect(await problemsOf(ws)).toEqual([
      `gateways/staging.json: port: ${port} is already used by gateways/development.json`,
    ]);
  });

  it("a gateway's https port equal to another's http port", async () => {
    const { httpPort } = await development();
    await edit('gateways/staging.json', (j) => (j.port = httpPort));
    expect(await problemsOf(ws)).toEqual([
      `gateways/staging.json: port: ${httpPort} is already used by gateways/development.json (httpPort)`,
    ]);
  });

  it('an unknown gateway name referenced by promotesTo', async () => {
    await edit('gateways/development.json', (j) => (j.promotesTo = 'stagin'));
    expect(await problemsOf(ws)).toEqual([
      'gateways/development.json: promotesTo: no gateway named "stagin" (gateways: development, production, staging)',
    ]);
  });

  it('a gateway referenced by another whose file was removed', async () => {
    await rm(path.join(ws, 'gateways/staging.json'));
    expect(await problemsOf(ws)).toEqual([
      'gateways/development.json: promotesTo: no gateway named "staging" (gateways: development, production)',
    ]);
  });

  it('an unknown server name', async () => {
    await edit('gateways/production.json', (j) => (j.server = 'remote'));
    await edit('servers/config.json', (j) => (j.defaultServer = 'nowhere'));
    expect(await problemsOf(ws)).toEqual([
      'servers/config.json: defaultServer: no server named "nowhere" in servers (servers: local)',
      'gateways/production.json: server: no server named "remote" in servers/config.json (servers: local)',
    ]);
  });

  it('servers of kind ssh or remote-docker, refused until remote servers work instead of run here unsaid', async () => {
    await edit('servers/config.json', (j) => {
      j.servers = {
        local: { kind: 'local-docker' },
        box: { kind: 'ssh', host: 'build-box' },
        farm: { kind: 'remote-docker', url: 'tcp://farm:2376' },
      };
      j.defaultServer = 'box';
    });
    expect(await problemsOf(ws)).toEqual([
      'servers/config.json: servers.box.kind: "ssh" servers are not supported yet: branches run only on this machine\'s Docker engine ("local-docker") for now',
      'servers/config.json: servers.farm.kind: "remote-docker" servers are not supported yet: branches run only on this machine\'s Docker engine ("local-docker") for now',
    ]);
  });

  it('a promotion chain that loops', async () => {
    await edit('gateways/production.json', (j) => (j.promotesTo = 'development'));
    expect(await problemsOf(ws)).toEqual([
      'gateways/development.json: promotesTo: promotion loops back: development → staging → production → development',
    ]);
  });

  it('a gateway file whose name is not a valid name, and a branch route that is not a branch number', async () => {
    await writeFile(path.join(ws, 'gateways/QA.json'), '{}');
    await edit('gateways/staging.json', (j) => (j.routes = { users: '7' }));
    expect(await problemsOf(ws)).toEqual([
      "gateways/QA.json: the file name is the gateway's name and must be lowercase letters, digits and dashes, starting with a letter, at most 40 characters",
      'gateways/staging.json: routes.users: expected a five-digit branch number such as "00007", got "7"',
    ]);
  });

  it('access rules: a bad CIDR range, and a password where its hash belongs (never echoed back)', async () => {
    await edit(
      'gateways/staging.json',
      (j) =>
        (j.access = {
          allow: ['10.0.0.0/33', 'fd00::/8'],
          deny: ['localhost'],
          basicAuth: { users: { alice: 'hunter2-plain' } },
        }),
    );
    const problems = await problemsOf(ws);
    expect(problems).toEqual([
      'gateways/staging.json: access.allow.0: expected an IPv4 or IPv6 address or CIDR range, such as 10.0.0.0/8, 127.0.0.1 or fd00::/8, got "10.0.0.0/33"',
      'gateways/staging.json: access.deny.0: expected an IPv4 or IPv6 address or CIDR range, such as 10.0.0.0/8, 127.0.0.1 or fd00::/8, got "localhost"',
      'gateways/staging.json: access.basicAuth.users.alice: expected a scrypt or bcrypt hash of the password (setting a password on the gateway writes one), never the password itself',
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('a database folder without its config, and a database engine that does not exist', async () => {
    await mkdir(path.join(ws, 'databases/db-002'));
    await edit('databases/db-001/config.json', (j) => (j.engine = 'mysql'));
    expect(await problemsOf(ws)).toEqual([
      'databases/db-001/config.json: engine: expected engine "embedded" or "postgres", got "mysql"',
      'databases/db-002/config.json: missing: a workspace needs this file (a fresh copy is in templates/workspace/)',
    ]);
  });

  it('no gateways at all', async () => {
    await rename(path.join(ws, 'gateways'), path.join(ws, 'gone'));
    expect(await problemsOf(ws)).toEqual([
      'gateways/: no gateway: a workspace needs at least one gateways/<name>.json',
    ]);
  });

  it('a manifest of the wrong shape', async () => {
    await edit('branchyard.json', (j) => ((j.formatVersion = 2), (j.name = 'Not Valid')));
    expect(await problemsOf(ws)).toEqual([
      'branchyard.json: name: expected lowercase letters, digits and dashes, starting with a letter, at most 40 characters, got "Not Valid"',
      'branchyard.json: formatVersion: expected 1 (the only workspace format this version reads), got 2',
    ]);
  });
});

describe('locateWorkspace', () => {
  it('finds the nearest workspace at or above the current folder', async () => {
    const deep = path.join(ws, 'codebases', 'users', 'context');
    await mkdir(deep, { recursive: true });
    expect(await locateWorkspace({ cwd: deep })).toBe(ws);
  });

  it('says what to do when there is none, as a hint each transport words', async () => {
    await expect(locateWorkspace({ cwd: tmp.path })).rejects.toMatchObject({
      kind: 'WorkspaceNotFoundError',
      message: `no workspace at or above ${tmp.path} (no branchyard.json found)`,
      hint: { do: 'choose-workspace' },
    });
    await expect(locateWorkspace({ cwd: '/', explicit: tmp.path })).rejects.toMatchObject({
      message: `${tmp.path} is not a Branchyard workspace (it has no branchyard.json)`,
      hint: { do: 'init-workspace', dir: tmp.path },
    });
  });
});
