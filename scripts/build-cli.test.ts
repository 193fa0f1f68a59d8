// The bundled CLI is the CLI: the same output as the sources for the same commands, and never a
// bundle older than its sources. Real processes, a real workspace, a real esbuild build.
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../core/testing/index.ts';
import { ROOT } from './build-cli.ts';
import type { CliManifest } from './build-cli.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** What bin/cli-bundle.js said it did (BRANCHYARD_CLI_TRACE). */
  how: string;
}

/** `bin/branchyard.js` of a checkout as its own process, telling which way it ran. */
function branchyard(
  root: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = root,
  nodeArgs: string[] = [],
): Promise<Run> {
  return new Promise((resolve) => {
    const options = {
      cwd,
      env: { ...process.env, BRANCHYARD_DATABASE_URL: '', ...env, BRANCHYARD_CLI_TRACE: '1' },
      timeout: 170_000,
    };
    execFile(
      process.execPath,
      [...nodeArgs, path.join(root, 'bin/branchyard.js'), ...args],
      options,
      (error, stdout, stderr) => {
        const how = stderr
          .split('\n')
          .filter((line) => line.startsWith('branchyard-cli: '))
          .join('\n');
        const rest = stderr
          .split('\n')
          .filter((line) => !line.startsWith('branchyard-cli: '))
          .join('\n');
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr: rest, how });
      },
    );
  });
}

describe('the bundled CLI', () => {
  // A cache of this test's own inside the checkout (packages resolve upward from it), so the shared one is left alone.
  const cacheDir = path.join('node_modules/.cache', `branchyard-cli-test-${randomBytes(4).toString('hex')}`);
  const bundled = { BRANCHYARD_CLI_CACHE: cacheDir };
  const sources = { BRANCHYARD_CLI: 'sources' };
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => void (tmp = await tempDir()));
  afterAll(async () => {
    await rm(path.join(ROOT, cacheDir), { recursive: true, force: true });
    await tmp.dispose();
  });

  it(
    'prints what the sources print: help, a wrong command line, and a branch list of a real workspace',
    { timeout: 600_000 },
    async () => {
      const first = await branchyard(ROOT, ['--help'], bundled);
      expect(first.how).toMatch(/^branchyard-cli: rebuilt the bundle in \d+ ms \(no bundle built yet\)$/);
      // Others may be editing this checkout's sources: a rebuild here is as good as the bundle (both are not tsx).
      const help = await branchyard(ROOT, ['--help'], bundled);
      expect(help.how).toMatch(/^branchyard-cli: (bundle |rebuilt the bundle)/);
      const fromSources = await branchyard(ROOT, ['--help'], sources);
      expect(fromSources.how).toContain('sources through tsx');
      expect(help).toMatchObject({ code: 0, stdout: fromSources.stdout, stderr: fromSources.stderr });
      expect(help.stdout).toContain('Usage: branchyard');

      // `--help` evaluates the command tree alone: the engine bundle is loaded only for a command that runs.
      for (const run of [first, help]) expect(run.how).not.toContain('engine bundle');
      const manifest = JSON.parse(await readFile(path.join(ROOT, cacheDir, 'manifest.json'), 'utf8')) as CliManifest;
      const treeInputs = manifest.cli.inputs.map(([file]) => file);
      expect(treeInputs).toContain('core/cli/main.ts');
      expect(treeInputs).toContain('node_modules/commander/package.json');
      expect(treeInputs.filter((file) => !/^(core\/cli\/|node_modules\/commander\/)/.test(file)).sort()).toEqual([
        'bin/cli-bundle.js',
        'node_modules/.package-lock.json',
        'package.json',
        'scripts/build-cli.ts',
        'tsconfig.json',
      ]);
      expect(treeInputs).not.toContain('core/cli/engine-client.ts');
      expect(manifest.engine.inputs.map(([file]) => file)).toContain('core/cli/engine-client.ts');

      // What loads only when used stays unloaded by a command that uses none of it.
      const preload = path.join(tmp.path, 'loaded-packages.cjs');
      await writeFile(
        preload,
        "process.on('exit', () => process.stderr.write('branchyard-cli: loaded ' + [...new Set(Object.keys(require.cache).map((f) => /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(f)?.[1]).filter(Boolean))].join(' ') + '\\n'));\n",
      );
      const loaded = (await branchyard(ROOT, ['--help'], bundled, ROOT, ['--require', preload])).how
        .split('\n')
        .find((line) => line.startsWith('branchyard-cli: loaded'));
      expect(loaded).toBeDefined();
      for (const heavy of [
        'typescript',
        'drizzle-kit',
        'gpt-tokenizer',
        '@electric-sql/pglite',
        'esbuild',
        'dockerode',
        'node-pty',
      ])
        expect(loaded!.split(' ')).not.toContain(heavy);

      for (const args of [['branch', '--help'], ['frobnicate'], ['branch', 'list']]) {
        const [viaBundle, viaSources] = [await branchyard(ROOT, args, bundled), await branchyard(ROOT, args, sources)];
        expect(viaBundle.how, args.join(' ')).toMatch(/^branchyard-cli: (bundle |rebuilt the bundle)/);
        expect({ code: viaBundle.code, stdout: viaBundle.stdout, stderr: viaBundle.stderr }, args.join(' ')).toEqual({
          code: viaSources.code,
          stdout: viaSources.stdout,
          stderr: viaSources.stderr,
        });
      }

      // A workspace made by the bundle, read by both: the engine state, git and templates are found from the bundle too.
      const ws = path.join(tmp.path, 'ws');
      const init = await branchyard(ROOT, ['init', ws, '--json'], bundled);
      expect(init.code, init.stderr).toBe(0);
      const added = await branchyard(ROOT, ['codebase', 'add', 'users', '--json'], bundled, ws);
      expect(added.code, added.stderr).toBe(0);
      for (const json of [['--json'], []]) {
        const [viaBundle, viaSources] = [
          await branchyard(ROOT, ['branch', 'list', 'users', ...json], bundled, ws),
          await branchyard(ROOT, ['branch', 'list', 'users', ...json], sources, ws),
        ];
        expect(viaBundle.how).toMatch(/^branchyard-cli: (bundle |rebuilt the bundle)/);
        expect(viaBundle.how).toMatch(/^branchyard-cli: engine bundle .*engine-[0-9a-f]+\.cjs$/m);
        expect(viaBundle.code, viaBundle.stderr).toBe(0);
        expect({ stdout: viaBundle.stdout, stderr: viaBundle.stderr }).toEqual({
          stdout: viaSources.stdout,
          stderr: viaSources.stderr,
        });
      }
      expect(
        JSON.parse((await branchyard(ROOT, ['branch', 'list', 'users', '--json'], bundled, ws)).stdout),
      ).toMatchObject({ branches: [{ number: 1, gateways: ['development', 'production', 'staging'] }] });
    },
  );

  it(
    'never runs a bundle older than its sources: a changed file rebuilds it, and while another start rebuilds, the sources run',
    { timeout: 600_000 },
    async () => {
      // A checkout of its own to edit: the engine's sources and what the bundle is built from, with the same packages.
      const checkout = path.join(tmp.path, 'checkout');
      await mkdir(path.join(checkout, 'scripts'), { recursive: true });
      for (const part of ['core', 'bin', 'templates'])
        await cp(path.join(ROOT, part), path.join(checkout, part), { recursive: true });
      for (const file of ['package.json', 'tsconfig.json', 'scripts/build-cli.ts'])
        await cp(path.join(ROOT, file), path.join(checkout, file));
      await symlink(path.join(ROOT, 'node_modules'), path.join(checkout, 'node_modules'));
      const env = { BRANCHYARD_CLI_CACHE: '.cli-cache' };
      const mainFile = path.join(checkout, 'core/cli/main.ts');
      let description = /\.description\('Branchyard: [^']*'\)/;
      expect(await readFile(mainFile, 'utf8')).toMatch(description);
      const describeAs = async (text: string) => {
        const before = await readFile(mainFile, 'utf8');
        const after = before.replace(description, `.description('${text}')`);
        expect(after).not.toBe(before);
        await writeFile(mainFile, after);
        description = new RegExp(`\\.description\\('${text}'\\)`);
      };

      await describeAs('first words');
      expect(await branchyard(checkout, ['--help'], env)).toMatchObject({
        code: 0,
        how: expect.stringContaining('rebuilt the bundle'),
        stdout: expect.stringContaining('first words'),
      });
      expect(await branchyard(checkout, ['--help'], env)).toMatchObject({
        code: 0,
        how: expect.stringContaining('bundle '),
        stdout: expect.stringContaining('first words'),
      });

      // The same size, only the text differs: still rebuilt.
      await describeAs('other words');
      const changed = await branchyard(checkout, ['--help'], env);
      expect(changed).toMatchObject({
        code: 0,
        how: expect.stringMatching(
          /rebuilt the bundle in \d+ ms \(core\/cli\/main\.ts changed since the bundle was built\)/,
        ),
        stdout: expect.stringContaining('other words'),
      });

      // A change to the engine alone: `--help` does not look at it; a command that runs rebuilds first,
      // or, while another start rebuilds, runs from the sources.
      const engineSource = path.join(checkout, 'core/errors/index.ts');
      const touchEngine = async (note: string) =>
        writeFile(engineSource, `${await readFile(engineSource, 'utf8')}// ${note}\n`);
      await touchEngine('an engine change');
      const helpOnly = await branchyard(checkout, ['--help'], env);
      expect(helpOnly).toMatchObject({ code: 0, how: expect.stringMatching(/^branchyard-cli: bundle [^\n]*$/) });
      const listing = await branchyard(checkout, ['codebase', 'list'], env, tmp.path);
      expect(listing.how).toMatch(
        /^branchyard-cli: bundle .*\nbranchyard-cli: rebuilt the bundle in \d+ ms \(core\/errors\/index\.ts changed since the bundle was built\)\nbranchyard-cli: engine bundle /,
      );
      const listingFromSources = await branchyard(checkout, ['codebase', 'list'], sources, tmp.path);
      expect(listing.stderr).toContain('branchyard.json');
      expect({ code: listing.code, stdout: listing.stdout, stderr: listing.stderr }).toEqual({
        code: listingFromSources.code,
        stdout: listingFromSources.stdout,
        stderr: listingFromSources.stderr,
      });
      await touchEngine('another engine change');
      await writeFile(path.join(checkout, '.cli-cache/build.lock'), String(process.pid));
      const engineLocked = await branchyard(checkout, ['codebase', 'list'], env, tmp.path);
      expect(engineLocked).toMatchObject({
        code: listing.code,
        stderr: listing.stderr,
        how: expect.stringContaining(
          'sources through tsx (core/errors/index.ts changed since the bundle was built; another start is rebuilding the bundle)',
        ),
      });
      await rm(path.join(checkout, '.cli-cache/build.lock'));

      // Another start holds the build lock (this test's own live process): this one runs the sources, never the old bundle.
      await describeAs('while rebuilding');
      await writeFile(path.join(checkout, '.cli-cache/build.lock'), String(process.pid));
      const locked = await branchyard(checkout, ['--help'], env);
      expect(locked).toMatchObject({
        code: 0,
        how: expect.stringContaining(
          'sources through tsx (core/cli/main.ts changed since the bundle was built; another start is rebuilding the bundle)',
        ),
        stdout: expect.stringContaining('while rebuilding'),
      });
      // A lock whose holder is gone is taken over.
      await writeFile(path.join(checkout, '.cli-cache/build.lock'), '999999999');
      expect(await branchyard(checkout, ['--help'], env)).toMatchObject({
        code: 0,
        how: expect.stringContaining('rebuilt the bundle'),
        stdout: expect.stringContaining('while rebuilding'),
      });

      // Sources that do not build are run as they are, and fail as they do: the last good bundle is not used.
      await writeFile(
        mainFile,
        (await readFile(mainFile, 'utf8')).replace(
          "from 'commander';",
          "from 'commander';\nimport { missing } from './no-such-file.ts';\nvoid missing;",
        ),
      );
      const broken = await branchyard(checkout, ['--help'], env);
      expect(broken.how).toContain('the bundle did not build');
      expect(broken.code).not.toBe(0);
      expect(broken.stderr).toContain('no-such-file.ts');
    },
  );
});
