// `branchyard build <codebase> <branch>`: type-check, read what the branch exposes, generate
// the router and entry, bundle one server file and write its OpenAPI document. Builds of the
// same tree with the same engine are cached by content hash.
import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';
import type { EventBus } from '../events/index.ts';
import type { CodebaseHandle } from '../git/index.ts';
import { commitTree, formatBranch, readBranchInfo } from '../git/index.ts';
import type { Analysis } from './analyze.ts';
import { analyzeBranch } from './analyze.ts';
import type { EntryOptions } from './generate.ts';
import { entrySource, SERVER_RUNTIME } from './generate.ts';
import { placeBuildOutput } from './place.ts';
import { ensureRuntimeBundle, placeRuntimeBundle, RUNTIME_FILE } from './runtime-bundle.ts';

export interface RouteSummary {
  procedure: string;
  method: string;
  path: string;
}

export interface BuildResult {
  ok: boolean;
  branch: number;
  tree: string;
  cached: boolean;
  /** The bundled server, when the build succeeded. */
  server: string | null;
  openapi: string | null;
  routes: RouteSummary[];
  diagnostics: Analysis['diagnostics'];
  problems: Analysis['problems'];
}

// What decides a build's outcome besides the tree: a change to any of them builds again.
const GENERATOR_FILES = [
  SERVER_RUNTIME,
  ...[
    './generate.ts',
    './zod-source.ts',
    './build-branch.ts',
    './typecheck.ts',
    './validators-agree.ts',
    './discover.ts',
    './runtime-entry.ts',
    './runtime-loader.ts',
    './runtime-bundle.ts',
    './describe-waiter.ts',
  ].map((file) => new URL(file, import.meta.url).pathname),
];

const LOADER = new URL('./runtime-loader.ts', import.meta.url).pathname;
const RUNTIME_NAMESPACE = 'branchyard-runtime';

/**
 * The server runtime and `zod` come from the runtime bundle beside the server (runtime.cjs,
 * loaded through its code cache), not from the branch's bundle: a branch's bundle is its own
 * code and the generated router. The branch's validators and the runtime share one zod.
 */
const fromRuntimeBundle: Plugin = {
  name: 'branchyard-runtime-bundle',
  setup(bundle) {
    bundle.onResolve({ filter: /^zod$/ }, () => ({ path: 'zod', namespace: RUNTIME_NAMESPACE }));
    bundle.onResolve({ filter: /server-runtime\.ts$/ }, (args) =>
      args.path === SERVER_RUNTIME ? { path: 'server', namespace: RUNTIME_NAMESPACE } : undefined,
    );
    bundle.onResolve({ filter: /^branchyard-runtime:load$/ }, () => ({ path: 'load', namespace: RUNTIME_NAMESPACE }));
    bundle.onLoad({ filter: /.*/, namespace: RUNTIME_NAMESPACE }, (args) => {
      if (args.path === 'load')
        return {
          contents: [
            `import { loadRuntime } from ${JSON.stringify(LOADER)};`,
            `const loaded = loadRuntime(new URL('./${RUNTIME_FILE}', import.meta.url));`,
            'loaded.exports.server.noteCodeCache(loaded.cache);',
            'export const runtime = loaded.exports;',
          ].join('\n'),
          loader: 'js',
          resolveDir: path.dirname(LOADER),
        };
      return {
        contents: `module.exports = require('branchyard-runtime:load').runtime.${args.path};`,
        loader: 'js',
      };
    });
  },
};

/**
 * The generated entry and the branch's modules, bundled into `<outDir>/server.mjs`, with the
 * server runtime bundle it loads beside it.
 */
export async function bundleServer(options: EntryOptions & { outDir: string }): Promise<void> {
  const entry = path.join(options.outDir, 'entry.ts');
  await writeFile(entry, entrySource(options));
  await build({
    entryPoints: [entry],
    outfile: path.join(options.outDir, 'server.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // pg loads its optional native binding by name; it is never part of the stack.
    external: ['pg-native'],
    plugins: [fromRuntimeBundle],
    banner: {
      js: "import { createRequire as __branchyardRequire } from 'node:module'; const require = __branchyardRequire(import.meta.url);",
    },
    nodePaths: [path.join(path.dirname(SERVER_RUNTIME), '..', '..', 'node_modules')],
    logLevel: 'silent',
    sourcemap: 'linked',
  });
  await placeRuntimeBundle(options.outDir);
}

/** What loading a built server printed: its OpenAPI document, or the error its modules threw. */
export type ServerDescription = { ok: true; document: string } | { ok: false; error: string };

/**
 * Loads the built server in `dir` (its `server.mjs`) and has it print its OpenAPI document. The
 * branch's modules run while it loads, so this runs code the agent wrote: the engine passes one
 * that runs it in its sandbox (no network, limits, a copy of the folder), or in the branch's own
 * process. One with `ahead` starts its process before the bundle exists (Node's own start then
 * overlaps the type-check); it is told the build's final folder.
 */
export type DescribeServer = ((dir: string) => Promise<ServerDescription>) & {
  ahead?: (outDir: string) => Describer;
};

/** A describing process already started, waiting to be told its folder. */
export interface Describer {
  describe: (dir: string) => Promise<ServerDescription>;
  /** Ends the process: unused (the build stopped before its bundle), or started for a build that failed. */
  cancel: () => void;
  /**
   * Describes the build in its final folder rather than a staging copy: the branch's own process,
   * which loads the server from where it will run. The folder is then placed before its document
   * and its build.json, and only build.json (written last) makes it a finished build.
   */
  inPlace?: boolean;
}

/**
 * @param describe how the server is loaded to print its document. The default runs it as a child
 *   process of this one, for code the caller trusts (the tests' and benches' own fixtures); the
 *   engine always passes its sandbox.
 */
export async function buildBranch(
  codebase: CodebaseHandle,
  branch: number,
  events?: EventBus,
  describe: DescribeServer = describeOnHost,
): Promise<BuildResult> {
  // The cache is keyed by the tree (the content hash of the branch's files) and the generator,
  // so a cached build is found before any type-check.
  const tree = await commitTree(codebase.repo, (await readBranchInfo(codebase, branch)).commit);
  const key = createHash('sha256').update(tree);
  for (const file of GENERATOR_FILES) key.update(await readFile(file));
  const outDir = path.join(
    codebase.workspace.engineDir,
    'builds',
    codebase.paths.name,
    'out',
    key.digest('hex').slice(0, 24),
  );
  const server = path.join(outDir, 'server.mjs');
  const openapi = path.join(outDir, 'openapi.json');
  const previous = await readFile(path.join(outDir, 'build.json'), 'utf8').then(
    (text) => JSON.parse(text) as { routes: RouteSummary[] },
    () => undefined,
  );
  if (previous) {
    events?.emit('progress', {
      task: `build:${codebase.paths.name}:${branch}`,
      step: 'cached',
      message: `branch ${formatBranch(branch)}: same files as an earlier build, reused`,
      done: 1,
      total: 1,
    });
    return {
      ok: true,
      branch,
      tree,
      cached: true,
      server,
      openapi,
      routes: previous.routes,
      diagnostics: [],
      problems: [],
    };
  }

  // Started before the type-check, so that Node's own start overlaps it; ended unused if the build stops first.
  const describer = describe.ahead?.(outDir);
  const analysis = await analyzeBranch(codebase, branch, events).catch((error: unknown) => {
    describer?.cancel();
    throw error;
  });
  const routes = analysis.functions.map((f) => ({
    procedure: `${f.feature}.${f.name}`,
    method: f.method,
    path: f.path,
  }));
  const base = { branch, tree, routes, diagnostics: analysis.diagnostics, problems: analysis.problems };
  if (!analysis.ok) {
    describer?.cancel();
    return { ...base, ok: false, cached: false, server: null, openapi: null };
  }

  events?.emit('progress', {
    task: `build:${codebase.paths.name}:${branch}`,
    step: 'bundle',
    message: `bundling ${routes.length} routes into one server`,
    done: 3,
    total: 4,
  });
  const staging = `${outDir}.${randomBytes(4).toString('hex')}`;
  await mkdir(staging, { recursive: true });
  try {
    await bundleServer({
      checkoutDir: analysis.checkout.dir,
      functions: analysis.functions,
      outDir: staging,
      title: `${codebase.paths.name} ${formatBranch(branch)}`,
      version: `1.0.${branch}`,
      description: `Branch ${formatBranch(branch)} of ${codebase.paths.name}, built by Branchyard.`,
    });
    // An in-place describer loads the server where it will run: the folder is placed first.
    const inPlace = describer?.inPlace === true;
    if (inPlace) await placeBuildOutput(staging, outDir);
    const described = await (describer?.describe ?? describe)(inPlace ? outDir : staging);
    if (!described.ok) {
      // The branch's modules threw while loading: it would crash at every start. A folder placed
      // for it goes too, unless a build of the same tree finished there meanwhile.
      describer?.cancel();
      await rm(staging, { recursive: true, force: true });
      if (inPlace && !(await exists(path.join(outDir, 'build.json'))))
        await rm(outDir, { recursive: true, force: true });
      return {
        ...base,
        ok: false,
        cached: false,
        server: null,
        openapi: null,
        problems: [
          {
            file: 'src',
            line: 0,
            function: '(loading)',
            message: `the server stopped while loading the branch's modules: ${described.error}`,
          },
        ],
      };
    }
    const folder = inPlace ? outDir : staging;
    await writeFile(path.join(folder, 'openapi.json'), described.document);
    // Written aside and renamed: a build.json is always whole, and its presence means a finished build.
    const record = path.join(folder, `build.json.${randomBytes(4).toString('hex')}`);
    await writeFile(
      record,
      `${JSON.stringify({ codebase: codebase.paths.name, branch, tree: analysis.checkout.tree, routes, builtAt: new Date().toISOString() }, null, 2)}\n`,
    );
    await rename(record, path.join(folder, 'build.json'));
    if (!inPlace) await placeBuildOutput(staging, outDir);
  } catch (error) {
    describer?.cancel();
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  events?.emit('progress', {
    task: `build:${codebase.paths.name}:${branch}`,
    step: 'done',
    message: `branch ${formatBranch(branch)} built: ${routes.length} routes`,
    done: 4,
    total: 4,
  });
  return { ...base, ok: true, cached: false, server, openapi };
}

const LOAD_TIMEOUT_MS = 60_000;
const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

const WAITER = new URL('./describe-waiter.ts', import.meta.url).pathname;
let waiterCode: Promise<string> | undefined;

/** describe-waiter.ts as one script for `node -e`, bundled once per process. */
function waiterScript(): Promise<string> {
  waiterCode ??= build({
    entryPoints: [WAITER],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  }).then(
    (built) => built.outputFiles[0]!.text,
    (error: unknown) => {
      waiterCode = undefined;
      throw error;
    },
  );
  return waiterCode;
}

const describeOnHost: DescribeServer = (dir) => {
  const describer = startHostDescriber();
  return describer.describe(dir);
};
describeOnHost.ahead = startHostDescriber;

/** The host's describing process, started now: Node starts and loads the runtime while the caller type-checks. */
function startHostDescriber(): Describer {
  let cancelled = false;
  const started = Promise.all([waiterScript(), ensureRuntimeBundle()]).then(([script, runtime]) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, path.join(runtime.dir, RUNTIME_FILE)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_DOCUMENT_BYTES) child.kill('SIGKILL');
      else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => {});
    const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
      child.on('error', (error) => resolve({ code: null, error }));
      child.on('close', (code) => resolve({ code }));
    });
    if (cancelled) child.stdin.end();
    return { child, stdout, stderr, exited };
  });
  // A describe that is never asked for must not leave an unhandled rejection.
  started.catch(() => {});
  let used = false;
  return {
    describe: async (dir) => {
      used = true;
      const { child, stdout, stderr, exited } = await started;
      child.stdin.end(dir);
      const timer = setTimeout(() => child.kill('SIGKILL'), LOAD_TIMEOUT_MS);
      const { code, error } = await exited.finally(() => clearTimeout(timer));
      if (code === 0) return { ok: true, document: Buffer.concat(stdout).toString('utf8') };
      const said = Buffer.concat(stderr).toString('utf8');
      return { ok: false, error: thrownLine(said, error?.message ?? `it exited with code ${code ?? 'none'}`) };
    },
    cancel: () => {
      if (used) return;
      cancelled = true;
      void started.then(
        ({ child }) => child.stdin.end(),
        () => {},
      );
    },
  };
}

/** What a Node child process that died of an exception said about it: its `…Error: …` line. */
export function thrownLine(stderr: string, fallback: string): string {
  return stderr.split('\n').find((line) => /^\w*Error\b/.test(line)) ?? (stderr.trim().split('\n').at(-1) || fallback);
}

function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
