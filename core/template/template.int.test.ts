// Workspace templates as a user drives them: `init --from` a folder mother and a git mother (a
// bare repository, by path and by file:// URL), `template diff` and `template pull` after the
// mother changed, a conflict that writes nothing, a mother whose test child fails, and bad input.
import { spawn } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../cli/index.ts';
import type { CliRun } from '../testing/index.ts';
import { expectOk, gitCli, runBranchyard, tempDir } from '../testing/index.ts';

const TEMPLATE = new URL('../../templates/workspace/', import.meta.url).pathname;
const LIMITS = 'shared-context/constants/limits.md';
const LIMITS_TEXT = [
  '# Limits',
  '',
  'Requests per minute: 60',
  'Body size: 1 MB',
  'Page size: 50',
  'Timeout: 10 s',
  '',
].join('\n');

/**
 * The CLI in this process: the same commands, router and files as the binary, without starting
 * a Node process per command (the first init goes through the real binary).
 */
async function branchyard(args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    cwd: process.cwd(),
    env: process.env,
  });
  return { command: `branchyard ${args.join(' ')}`, code, stdout, stderr };
}

const git = (cwd: string, ...args: string[]) =>
  gitCli(['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd });
const exists = (file: string) =>
  readFile(file).then(
    () => true,
    () => false,
  );

/** A mother folder: the stock template plus a shared-context file and, optionally, a check. */
async function makeMother(dir: string, check?: { name: string; text: string }): Promise<string> {
  await cp(TEMPLATE, dir, { recursive: true });
  await writeFile(path.join(dir, LIMITS), LIMITS_TEXT);
  if (check) {
    await mkdir(path.join(dir, 'test'), { recursive: true });
    await writeFile(path.join(dir, 'test', check.name), check.text);
  }
  return dir;
}

async function edit(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not hold ${JSON.stringify(from)}`);
  await writeFile(file, text.replace(from, to));
}

/** Git's smart HTTP protocol on loopback: `git http-backend` behind a Node server, as a real remote. */
async function gitHttpServer(projectRoot: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const env = {
      ...process.env,
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: request.method ?? 'GET',
      PATH_INFO: url.pathname,
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: request.headers['content-type'] ?? '',
      REMOTE_ADDR: '127.0.0.1',
    };
    const backend = spawn('git', ['http-backend'], { env });
    request.pipe(backend.stdin);
    const chunks: Buffer[] = [];
    backend.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    backend.on('close', () => {
      const out = Buffer.concat(chunks);
      const end = out.indexOf('\r\n\r\n');
      const headers = out.subarray(0, end).toString().split('\r\n');
      const status = Number(headers.find((h) => h.startsWith('Status:'))?.split(' ')[1] ?? 200);
      for (const header of headers.filter((h) => !h.startsWith('Status:')))
        response.setHeader(header.slice(0, header.indexOf(':')), header.slice(header.indexOf(':') + 1).trim());
      response.writeHead(status).end(out.subarray(end + 4));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const json = <T>(run: { stdout: string }) => JSON.parse(run.stdout) as T;
interface Diff {
  from: string;
  to: string;
  files: Array<{ path: string; kind: string }>;
  patch: string;
}

describe('workspace templates', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => void (tmp = await tempDir()));
  afterEach(() => tmp.dispose());

  it("spawns from a folder mother after its test child passes; diff shows the mother's changes; pull merges both sides in one commit", async () => {
    // The check runs inside the test child: it sees the spawned workspace, not the mother.
    const check =
      "import fs from 'node:fs';\nif (!fs.existsSync('branchyard.json') || fs.existsSync('test')) process.exit(1);\n";
    const mother = await makeMother(path.join(tmp.path, 'mother'), { name: 'check.mjs', text: check });
    const child = path.join(tmp.path, 'child');

    const init = expectOk(await runBranchyard(['init', child, '--from', mother, '--json']));
    const made = json<{ root: string; template: { kind: string; source: string; version: string; checks: string[] } }>(
      init,
    );
    expect(made.template).toMatchObject({
      kind: 'folder',
      source: mother,
      version: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      checks: ['test/check.mjs'],
    });
    const record = JSON.parse(await readFile(path.join(child, 'template.json'), 'utf8')) as Record<string, string>;
    expect(record).toMatchObject({
      source: mother,
      kind: 'folder',
      version: made.template.version,
      spawnedAt: expect.any(String),
    });
    expect(await readFile(path.join(child, LIMITS), 'utf8')).toBe(LIMITS_TEXT);
    expect(await exists(path.join(child, 'test', 'check.mjs'))).toBe(false);
    expect(await git(child, 'ls-files')).toContain('template.json');
    expect(await git(child, 'show-ref')).toContain('refs/branchyard/template');
    expect(json<Diff>(expectOk(await branchyard(['--workspace', child, 'template', 'diff', '--json']))).files).toEqual(
      [],
    );

    // The mother changes a gateway and a shared-context file; the child changes its own lines.
    await edit(path.join(mother, 'gateways', 'staging.json'), '"protected": false', '"protected": true');
    await edit(path.join(mother, LIMITS), 'Timeout: 10 s', 'Timeout: 30 s');
    await edit(path.join(child, LIMITS), 'Requests per minute: 60', 'Requests per minute: 600');
    await git(child, 'commit', '-qam', 'the child raises its rate limit');

    const diff = json<Diff>(expectOk(await branchyard(['--workspace', child, 'template', 'diff', '--json'])));
    expect(diff.from).toBe(made.template.version);
    expect(diff.to).not.toBe(diff.from);
    expect(diff.files).toEqual([
      { path: 'gateways/staging.json', kind: 'modified' },
      { path: LIMITS, kind: 'modified' },
    ]);
    expect(diff.patch).toContain('--- a/gateways/staging.json\n+++ b/gateways/staging.json');
    expect(diff.patch).toContain('-  "protected": false,\n+  "protected": true,');
    expect(diff.patch).toContain('-Timeout: 10 s\n+Timeout: 30 s');
    expect(diff.patch).not.toContain('600'); // the mother's changes, not the child's

    const before = (await git(child, 'rev-parse', 'HEAD')).trim();
    const pull = json<{ ok: boolean; commit: string; files: Array<{ path: string; how: string }> }>(
      expectOk(await branchyard(['--workspace', child, 'template', 'pull', '--json'])),
    );
    // staging.json is merged, not taken, when init moved the child's ports off taken ones.
    expect(pull).toMatchObject({
      ok: true,
      files: [
        { path: 'gateways/staging.json', how: expect.stringMatching(/^(taken|merged)$/) },
        { path: LIMITS, how: 'merged' },
      ],
    });
    expect((await git(child, 'rev-parse', 'HEAD')).trim()).toBe(pull.commit);
    expect((await git(child, 'rev-parse', 'HEAD~1')).trim()).toBe(before);
    expect((await git(child, 'show', '--name-only', '--format=%s', 'HEAD')).split('\n').filter(Boolean).sort()).toEqual(
      [expect.stringMatching(/^Template: take /), 'gateways/staging.json', LIMITS, 'template.json'].sort(),
    );
    expect(await git(child, 'status', '--porcelain')).toBe('');
    const merged = await readFile(path.join(child, LIMITS), 'utf8');
    expect(merged).toContain('Requests per minute: 600');
    expect(merged).toContain('Timeout: 30 s');
    expect(await readFile(path.join(child, 'gateways', 'staging.json'), 'utf8')).toContain('"protected": true');
    expect(JSON.parse(await readFile(path.join(child, 'template.json'), 'utf8'))).toMatchObject({
      version: diff.to,
      pulledAt: expect.any(String),
    });
    expect(json<Diff>(expectOk(await branchyard(['--workspace', child, 'template', 'diff', '--json']))).files).toEqual(
      [],
    );

    // A mother's change the workspace schemas refuse is put back, never committed.
    await edit(path.join(mother, 'gateways', 'staging.json'), '"follow": "promotion"', '"follow": "sometimes"');
    const head = (await git(child, 'rev-parse', 'HEAD')).trim();
    const refused = await branchyard(['--workspace', child, 'template', 'pull']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the merged workspace would not load, so nothing was pulled');
    expect(refused.stderr).toContain('gateways/staging.json: follow');
    expect((await git(child, 'rev-parse', 'HEAD')).trim()).toBe(head);
    expect(await git(child, 'status', '--porcelain')).toBe('');
  }, 300_000);

  it('spawns from a bare git repository (file:// URL and path); pull takes new commits; a conflict names the file and writes nothing', async () => {
    const work = await makeMother(path.join(tmp.path, 'work'));
    await git(work, 'init', '-q', '-b', 'main');
    await git(work, 'add', '.');
    await git(work, 'commit', '-qm', 'mother');
    const bare = path.join(tmp.path, 'mother.git');
    await gitCli(['clone', '-q', '--bare', work, bare]);
    await git(work, 'remote', 'add', 'mother', bare);
    const first = (await git(bare, 'rev-parse', 'HEAD')).trim();

    const child = path.join(tmp.path, 'child');
    const url = pathToFileURL(bare).href;
    const made = json<{ template: { kind: string; source: string; version: string } }>(
      expectOk(await branchyard(['init', child, '--from', url, '--json'])),
    );
    expect(made.template).toEqual({ kind: 'git', source: url, version: first, checks: [] });
    const byPath = json<{ template: { kind: string; source: string; version: string } }>(
      expectOk(await branchyard(['init', path.join(tmp.path, 'other'), '--from', bare, '--json'])),
    );
    expect(byPath.template).toMatchObject({ kind: 'git', source: bare, version: first });

    // The mother's next commit: a gateway and a shared-context file.
    await edit(path.join(work, 'gateways', 'development.json'), '"follow": "newest"', '"follow": "promotion"');
    await edit(path.join(work, LIMITS), 'Body size: 1 MB', 'Body size: 5 MB');
    await git(work, 'commit', '-qam', 'mother: bigger bodies, development follows promotions');
    await git(work, 'push', '-q', 'mother', 'main');
    const second = (await git(bare, 'rev-parse', 'HEAD')).trim();

    const diff = json<Diff>(expectOk(await branchyard(['--workspace', child, 'template', 'diff', '--json'])));
    expect(diff).toMatchObject({
      from: first,
      to: second,
      files: [
        { path: 'gateways/development.json', kind: 'modified' },
        { path: LIMITS, kind: 'modified' },
      ],
    });
    expect(diff.patch).toContain('+  "follow": "promotion",');
    const human = expectOk(await branchyard(['--workspace', child, 'template', 'diff']));
    expect(human.stdout).toContain('+Body size: 5 MB');

    // An uncommitted edit of a file pull would commit is never swept into its commit.
    await edit(path.join(child, LIMITS), '# Limits', '# Our limits');
    const dirty = await branchyard(['--workspace', child, 'template', 'pull']);
    expect(dirty.code).toBe(1);
    expect(dirty.stderr).toContain(
      `template pull would commit files with uncommitted changes: ${LIMITS}; commit or undo those changes first`,
    );
    expect(await readFile(path.join(child, LIMITS), 'utf8')).not.toContain('Body size: 5 MB');
    expect(await readFile(path.join(child, 'gateways', 'development.json'), 'utf8')).toContain('"follow": "newest"');
    await git(child, 'checkout', '--', LIMITS);

    expectOk(await branchyard(['--workspace', child, 'template', 'pull']));
    expect(await readFile(path.join(child, LIMITS), 'utf8')).toContain('Body size: 5 MB');
    expect(JSON.parse(await readFile(path.join(child, 'template.json'), 'utf8'))).toMatchObject({ version: second });
    expect(await git(child, 'log', '-1', '--format=%s')).toContain(`at ${second.slice(0, 12)}`);

    // Without its stored base (a copy made without refs), a git mother's recorded commit is the base.
    await git(child, 'update-ref', '-d', 'refs/branchyard/template');
    expect(json<Diff>(expectOk(await branchyard(['--workspace', child, 'template', 'diff', '--json'])))).toMatchObject({
      from: second,
      to: second,
      files: [],
    });

    // Both change the same line: nothing is written, and the file is named with both versions.
    await edit(path.join(child, LIMITS), 'Page size: 50', 'Page size: 20');
    await git(child, 'commit', '-qam', 'the child pages by 20');
    await edit(path.join(work, LIMITS), 'Page size: 50', 'Page size: 100');
    await edit(path.join(work, 'gateways', 'production.json'), '"routes": {}', '"routes": { }');
    await git(work, 'commit', '-qam', 'mother pages by 100');
    await git(work, 'push', '-q', 'mother', 'main');
    const head = (await git(child, 'rev-parse', 'HEAD')).trim();
    const recordBefore = await readFile(path.join(child, 'template.json'), 'utf8');
    const productionBefore = await readFile(path.join(child, 'gateways', 'production.json'), 'utf8');

    const conflict = await branchyard(['--workspace', child, 'template', 'pull']);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain(
      `template pull stopped: ${LIMITS} changed here and in the mother; nothing was written`,
    );
    expect(conflict.stdout).toContain(
      `CONFLICT ${LIMITS}: changed on the same lines in the mother and in this workspace`,
    );
    expect(conflict.stdout).toMatch(
      /<<<<<<< this workspace\nPage size: 20\n\|\|\|\|\|\|\| mother at [0-9a-f]{12}\nPage size: 50\n=======\nPage size: 100\n>>>>>>> mother at/,
    );
    const asJson = json<{ ok: boolean; conflicts: Array<{ path: string }> }>(
      await branchyard(['--workspace', child, 'template', 'pull', '--json']),
    );
    expect(asJson).toMatchObject({ ok: false, conflicts: [{ path: LIMITS }] });
    expect((await git(child, 'rev-parse', 'HEAD')).trim()).toBe(head);
    expect(await git(child, 'status', '--porcelain')).toBe('');
    expect(await readFile(path.join(child, 'template.json'), 'utf8')).toBe(recordBefore);
    expect(await readFile(path.join(child, 'gateways', 'production.json'), 'utf8')).toBe(productionBefore); // the clean change waits too
    expect(await readFile(path.join(child, LIMITS), 'utf8')).toContain('Page size: 20');
  }, 300_000);

  it('an http(s) mother is cloned with isomorphic-git; its codebase-boilerplate/ is what `codebase add` starts from in the child', async () => {
    const work = await makeMother(path.join(tmp.path, 'work'));
    await cp(new URL('../../templates/codebase/', import.meta.url).pathname, path.join(work, 'codebase-boilerplate'), {
      recursive: true,
    });
    await writeFile(
      path.join(work, 'codebase-boilerplate', 'src', 'shared', 'team.ts'),
      "export const TEAM = 'payments';\n",
    );
    await git(work, 'init', '-q', '-b', 'main');
    await git(work, 'add', '.');
    await git(work, 'commit', '-qm', 'mother with a boilerplate');
    await gitCli(['clone', '-q', '--bare', work, path.join(tmp.path, 'served', 'mother.git')]);
    const server = await gitHttpServer(path.join(tmp.path, 'served'));
    try {
      const child = path.join(tmp.path, 'child');
      const url = `${server.url}/mother.git`;
      const made = json<{ template: { kind: string; source: string; version: string } }>(
        expectOk(await branchyard(['init', child, '--from', url, '--json'])),
      );
      expect(made.template).toMatchObject({
        kind: 'git',
        source: url,
        version: (await git(work, 'rev-parse', 'HEAD')).trim(),
      });
      expect(
        json<Diff>(expectOk(await branchyard(['--workspace', child, 'template', 'diff', '--json']))).files,
      ).toEqual([]);

      expectOk(await branchyard(['--workspace', child, 'codebase', 'add', 'users']));
      const team = expectOk(
        await branchyard(['--workspace', child, 'branch', 'cat', 'users', '1', 'src/shared/team.ts']),
      );
      expect(team.stdout).toBe("export const TEAM = 'payments';\n");
    } finally {
      await server.close();
    }
  }, 300_000);

  it('a mother whose test child fails refuses to spawn, with the reason, and writes nothing at the target', async () => {
    const failing = await makeMother(path.join(tmp.path, 'failing'), {
      name: 'check.sh',
      text: 'echo "staging must be protected" >&2\nexit 3\n',
    });
    const target = path.join(tmp.path, 'child');
    const run = await branchyard(['init', target, '--from', failing]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `branchyard: the mother ${failing} fails its test child, so nothing was written at ${target}:`,
    );
    expect(run.stderr).toContain('test/check.sh exited 3:');
    expect(run.stderr).toContain('staging must be protected');
    expect(await readdir(tmp.path)).toEqual(['failing']);

    // A mother whose files do not load as a workspace fails the same way, naming file and field.
    const broken = await makeMother(path.join(tmp.path, 'broken'));
    await edit(path.join(broken, 'gateways', 'staging.json'), '"port": 7444', '"port": "abc"');
    const refused = await branchyard(['init', target, '--from', broken]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('fails its test child');
    expect(refused.stderr).toContain('gateways/staging.json: port: expected a number from 1 to 65535, got "abc"');
    expect((await readdir(tmp.path)).sort()).toEqual(['broken', 'failing']);

    // A child that would commit the engine's state and serve's token is refused too.
    const leaky = await makeMother(path.join(tmp.path, 'leaky'));
    await writeFile(path.join(leaky, '.gitignore'), 'node_modules/\n');
    const leaks = await branchyard(['init', target, '--from', leaky]);
    expect(leaks.code).toBe(1);
    expect(leaks.stderr).toContain('.gitignore: must ignore .branchyard/');
    expect((await readdir(tmp.path)).sort()).toEqual(['broken', 'failing', 'leaky']);
  }, 300_000);

  it('bad input: a path that does not exist, a folder that is not a template, an unsupported URL, a workspace with no mother', async () => {
    const target = path.join(tmp.path, 'child');
    const missing = await branchyard(['init', target, '--from', path.join(tmp.path, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`--from ${path.join(tmp.path, 'nowhere')}: no such folder or git repository`);

    const plain = path.join(tmp.path, 'plain');
    await mkdir(path.join(plain, 'gateways'), { recursive: true });
    await writeFile(path.join(plain, 'README.md'), 'not a template\n');
    const notTemplate = await branchyard(['init', target, '--from', plain, '--json']);
    expect(notTemplate.code).toBe(1);
    expect(json<{ error: { kind: string; message: string } }>(notTemplate).error).toEqual({
      kind: 'InvalidInputError',
      message: expect.stringContaining(
        `--from ${plain}: not a workspace template: it lacks ai/config.json, servers/config.json, gateways/<name>.json`,
      ),
    });

    const ssh = await branchyard(['init', target, '--from', 'git@example.com:team/mother.git']);
    expect(ssh.code).toBe(1);
    expect(ssh.stderr).toContain('only http(s):// and file:// git URLs are supported');
    expect((await readdir(tmp.path)).sort()).toEqual(['plain']);

    // A mother that has gone away is named, as the child records it.
    const gone = await makeMother(path.join(tmp.path, 'gone'));
    expectOk(await branchyard(['init', path.join(tmp.path, 'left'), '--from', gone]));
    await rm(gone, { recursive: true });
    const lost = await branchyard(['--workspace', path.join(tmp.path, 'left'), 'template', 'diff']);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toContain(`branchyard: template.json: source ${gone}: no such folder or git repository`);

    const orphan = path.join(tmp.path, 'orphan');
    expectOk(await branchyard(['init', orphan]));
    for (const command of ['pull', 'diff']) {
      const run = await branchyard(['--workspace', orphan, 'template', command]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `branchyard: this workspace has no mother: ${path.join(orphan, 'template.json')} is missing`,
      );
    }
    expect(await git(orphan, 'rev-list', '--count', 'HEAD')).toBe('1\n');
  }, 300_000);
});
