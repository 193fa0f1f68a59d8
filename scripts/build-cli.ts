// Builds the CLI and the engine into two CommonJS files, so `branchyard` starts without compiling
// TypeScript (tsx took ~2.4 s for `--help`). bin/cli-bundle.js runs them with a V8 code cache each
// and rebuilds them through this file when an input changed; `npm run build:cli` builds them ahead.
//
// - The command tree (cli-*.cjs): core/cli's files and commander, what `--help`, a wrong command
//   line and the parsing of every command need. Whatever else those files import (the engine,
//   tRPC, the errors…) is a stand-in whose every export is a getter reaching into the engine
//   bundle, loaded when first read: in practice once commander is about to run an action
//   (core/cli/engine-loader.ts). So `--help` evaluates ~100 kB, not the whole engine.
// - The engine (engine-*.cjs): everything those stand-ins stand for, in one bundle, so each module
//   exists once (an error the engine throws is `instanceof` the class the CLI checks).
//
// What stays outside the bundle, loaded from node_modules as before: native or wasm packages and
// those that find their own files beside them (PGlite, esbuild, node-pty, dockerode's .proto files,
// swagger-ui-dist), and what loads only when used (the TypeScript compiler, drizzle-kit,
// gpt-tokenizer, pm2). Everything else (zod, tRPC, drizzle-orm, openai, isomorphic-git…) is inside:
// reading ~1,300 small files was most of the start.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { builtinModules, createRequire } from 'node:module';
import { build, transform } from 'esbuild';
import type { BuildOptions, BuildResult, Plugin } from 'esbuild';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Where the bundle lives by default; BRANCHYARD_CLI_CACHE moves it (a folder inside the checkout, so packages resolve). */
export const DEFAULT_CACHE = 'node_modules/.cache/branchyard-cli';
/** Read by bin/cli-bundle.js: a manifest of another format is rebuilt. */
export const MANIFEST_FORMAT = 2;
/** The bundles' entries, given to esbuild as text: not files to watch. */
const ENTRY_NAME = 'branchyard-cli-entry.ts';
const ENGINE_ENTRY_NAME = 'branchyard-engine-entry.ts';
/** The command tree's folder: its files are the tree, apart from ENGINE_SIDE. */
const TREE_DIR = 'core/cli';
/** Files of core/cli that are the engine's side: they import the router and the engine itself. */
const ENGINE_SIDE = new Set(['core/cli/engine-client.ts']);
/** Packages the command tree holds itself: only the parser, which has no state shared with the engine. */
const TREE_PACKAGES = new Set(['commander']);
/** Replaced in the command tree by the loader of the engine bundle (see its own comment). */
const ENGINE_LOADER = 'core/cli/engine-loader.ts';

const EXTERNAL = [
  '@electric-sql/pglite',
  '@electric-sql/pglite/*',
  'esbuild',
  'typescript',
  'drizzle-kit',
  'drizzle-kit/*',
  'gpt-tokenizer',
  'pm2',
  'swagger-ui-dist',
  'electron',
  'pg-native',
  'tsx',
  'tsx/*',
];
/**
 * Packages imported at the top of engine modules but used only by some commands: each named
 * import gets a stand-in that requires the package on first use (new, call or property), so
 * `--help` does not load PGlite, esbuild, the Docker client or node-pty. An import of a name not
 * listed here fails the build (and the CLI runs the sources through tsx): add the name.
 */
const LAZY: Record<string, string[]> = {
  dockerode: ['default'],
  'node-pty': ['default'],
  '@electric-sql/pglite': ['PGlite', 'types'],
  esbuild: ['build'],
  // The state database on a PostgreSQL server; the embedded one (PGlite) needs none of it. Its
  // load also woke Node's fetch (undici) through its runtime detection: ~40 ms of every command.
  pg: ['default'],
};
/**
 * Packages inside the engine bundle whose evaluation waits for the first use of one of their
 * exports, as if imported on demand (esbuild wraps a required module in an init function): each
 * import of theirs is a module of getters that require the package. Their own imports of LAZY
 * packages (pg) evaluate no earlier. Every export gets a getter: the names are read from the package
 * itself when building.
 */
const DEFERRED = [
  'drizzle-orm/node-postgres',
  'drizzle-orm/node-postgres/migrator',
  // The gateway's HTTP client: its load woke Node's own fetch too.
  'undici',
  // The route checks' JSON Schema validator.
  'ajv/dist/2020.js',
];
/** Files the bundle depends on besides its inputs: a change to any rebuilds it. */
const EXTRA_INPUTS = [
  'scripts/build-cli.ts',
  'bin/cli-bundle.js',
  'package.json',
  'tsconfig.json',
  'node_modules/.package-lock.json',
];

export interface BundleManifest {
  /** The bundle's file name in the cache folder: named by its content hash, so a code cache never meets another bundle. */
  bundle: string;
  /** [path relative to the root, size, mtimeMs]; mtimeMs -1 marks a file that changed while building (stale at once). */
  inputs: Array<[string, number, number]>;
}

export interface CliManifest {
  format: number;
  builtAt: string;
  /** The command tree, checked on every start. */
  cli: BundleManifest;
  /** The engine, checked when a command first needs it. */
  engine: BundleManifest;
}

export interface BuiltCli {
  /** The command tree's bundle. */
  file: string;
  engineFile: string;
  manifest: CliManifest;
  ms: number;
}

export async function buildCli(options: { root?: string; cacheDir?: string } = {}): Promise<BuiltCli> {
  const root = options.root ?? ROOT;
  const cacheDir = path.resolve(root, options.cacheDir ?? DEFAULT_CACHE);
  const started = Date.now();
  const boundary = await engineImports(root);
  const common = {
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Packages' ESM builds: their UMD "main" builds require files esbuild cannot see (jsonc-parser).
    mainFields: ['module', 'main'],
    external: EXTERNAL,
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    metafile: true,
    write: false,
    logLevel: 'silent',
  } satisfies BuildOptions;
  const [tree, engine] = await Promise.all([
    build({
      ...common,
      stdin: {
        contents:
          `export { main } from './${TREE_DIR}/index.ts';\n` + `export { provideEngine } from './${ENGINE_LOADER}';\n`,
        resolveDir: root,
        sourcefile: ENTRY_NAME,
        loader: 'ts',
      },
      plugins: [commandTree(root, boundary), moduleUrls(root, cacheDir)],
    }),
    build({
      ...common,
      stdin: { contents: boundary.entry, resolveDir: root, sourcefile: ENGINE_ENTRY_NAME, loader: 'ts' },
      plugins: [moduleUrls(root, cacheDir), lazyPackages(), await deferredPackages(root)],
    }),
  ]);
  const warnings = [...tree.warnings, ...engine.warnings].filter(
    (w) => w.id === 'empty-import-meta' || w.id === 'unsupported-dynamic-import' || w.id === 'unsupported-require-call',
  );
  if (warnings.length)
    throw new Error(
      `the CLI bundle would differ from the sources: ${warnings.map((w) => `${w.location?.file}:${w.location?.line}: ${w.text}`).join('; ')}`,
    );
  await mkdir(cacheDir, { recursive: true });
  const write = async (prefix: string, result: BuildResult<{ metafile: true; write: false }>) => {
    const code = result.outputFiles[0]!.contents;
    const bundle = `${prefix}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.cjs`;
    await writeAtomically(path.join(cacheDir, bundle), code);
    const inputs = await inputStats(root, [...Object.keys(result.metafile.inputs), ...EXTRA_INPUTS], started);
    return { bundle, inputs };
  };
  const manifest: CliManifest = {
    format: MANIFEST_FORMAT,
    builtAt: new Date().toISOString(),
    cli: await write('cli', tree),
    engine: await write('engine', engine),
  };
  const manifestFile = path.join(cacheDir, 'manifest.json');
  const previous = await readFile(manifestFile, 'utf8').then(
    (text) => {
      const old = JSON.parse(text) as Partial<CliManifest>;
      return [old.cli?.bundle, old.engine?.bundle];
    },
    () => [],
  );
  await writeAtomically(manifestFile, JSON.stringify(manifest));
  await removeOldBundles(cacheDir, new Set([manifest.cli.bundle, manifest.engine.bundle, ...previous]));
  return {
    file: path.join(cacheDir, manifest.cli.bundle),
    engineFile: path.join(cacheDir, manifest.engine.bundle),
    manifest,
    ms: Date.now() - started,
  };
}

interface EngineImports {
  /** The engine bundle's entry: every name the command tree imports from outside it, exported as `m<i>$<name>`. */
  entry: string;
  /** Per module the tree imports from the engine (a path from the root, or a package): its index and names. */
  modules: Map<string, { index: number; names: Set<string> }>;
}

/**
 * What the command tree's files import from the engine's side, read from each file as esbuild
 * compiles it (type-only imports gone). Only named imports cross: a default or namespace import,
 * a bare or dynamic import of the engine's side fails the build, as the stand-ins could not mirror it.
 */
async function engineImports(root: string): Promise<EngineImports> {
  const modules = new Map<string, { index: number; names: Set<string> }>();
  const files = (await readdir(path.join(root, TREE_DIR)))
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    .map((name) => `${TREE_DIR}/${name}`)
    .filter((file) => !ENGINE_SIDE.has(file) && file !== ENGINE_LOADER)
    .sort();
  for (const file of files) {
    const { code } = await transform(await readFile(path.join(root, file), 'utf8'), { loader: 'ts', format: 'esm' });
    if (/\bimport\s*\(|\brequire\s*\(/.test(code))
      throw new Error(`${file}: the command tree loads its modules statically (a dynamic import is not mirrored)`);
    for (const statement of code.matchAll(/^import\s*([^"']*?)\s*(?:from\s*)?["']([^"']+)["'];?$/gm)) {
      const [, clause = '', specifier = ''] = statement;
      const key = engineSide(root, file, specifier);
      if (!key) continue;
      const named = /^\{([^}]*)\}$/.exec(clause.trim());
      if (!named)
        throw new Error(
          `${file}: "import ${clause} from '${specifier}'": the command tree imports from the engine by name only`,
        );
      let module = modules.get(key);
      if (!module) modules.set(key, (module = { index: modules.size, names: new Set() }));
      for (const part of named[1]!.split(',')) {
        const name = part.trim().split(/\s+as\s+/)[0]!;
        if (name) module.names.add(name);
      }
    }
  }
  const entry = [...modules]
    .map(([key, { index, names }]) => {
      const specifier = key.startsWith('core/') ? `./${key}` : key;
      return `export { ${[...names].map((name) => `${name} as m${index}$${name}`).join(', ')} } from '${specifier}';`;
    })
    .join('\n');
  return { entry: entry + '\n', modules };
}

/**
 * The engine-side module `specifier` names when imported from the tree's `importer` (a path from the
 * root, or a package's name), or undefined when the tree holds it: Node's own modules, commander, and
 * core/cli's files but ENGINE_SIDE.
 */
function engineSide(root: string, importer: string, specifier: string): string | undefined {
  if (specifier.startsWith('node:') || builtinModules.includes(specifier)) return undefined;
  if (!specifier.startsWith('.')) {
    const name = /^(@[^/]+\/)?[^/]+/.exec(specifier)![0];
    return TREE_PACKAGES.has(name) ? undefined : specifier;
  }
  const file = path
    .relative(root, path.resolve(root, path.dirname(importer), specifier))
    .split(path.sep)
    .join('/');
  return path.posix.dirname(file) === TREE_DIR && !ENGINE_SIDE.has(file) ? undefined : file;
}

/**
 * The command tree's bundle: core/cli's own files and commander; every other import of theirs is a
 * CommonJS stand-in whose exports are getters into the engine bundle (the engine loader's
 * `engine()`), and core/cli/engine-loader.ts is the loader bin/cli-bundle.js provides the engine to.
 */
function commandTree(root: string, boundary: EngineImports): Plugin {
  const loaderFile = path.join(root, ENGINE_LOADER);
  return {
    name: 'branchyard-command-tree',
    setup(esbuild) {
      esbuild.onResolve({ filter: /.*/ }, (args) => {
        if (args.namespace === 'branchyard-engine')
          return args.path === ENGINE_LOADER ? { path: loaderFile } : undefined;
        // The entry (stdin) and packages' own imports resolve as usual.
        if (!path.isAbsolute(args.importer) || args.importer.includes(`${path.sep}node_modules${path.sep}`))
          return undefined;
        const importer = path.relative(root, args.importer).split(path.sep).join('/');
        const key = engineSide(root, importer, args.path);
        if (!key) return undefined;
        if (!boundary.modules.has(key))
          throw new Error(`${importer} imports ${args.path}, which the scan of ${TREE_DIR} did not see`);
        return { path: key, namespace: 'branchyard-engine' };
      });
      esbuild.onLoad({ filter: /.*/, namespace: 'branchyard-engine' }, (args) => {
        const { index, names } = boundary.modules.get(args.path)!;
        const getters = [...names].map(
          (name) =>
            `  ${JSON.stringify(name)}: { enumerable: true, get: () => engine()[${JSON.stringify(`m${index}$${name}`)}] },`,
        );
        return {
          loader: 'js',
          resolveDir: root,
          contents: `const { engine } = require(${JSON.stringify(ENGINE_LOADER)});\nObject.defineProperties(exports, {\n  __esModule: { value: true },\n${getters.join('\n')}\n});\n`,
        };
      });
      esbuild.onLoad({ filter: /\.ts$/ }, (args) =>
        args.path === loaderFile ? { loader: 'js', contents: ENGINE_LOADER_IN_BUNDLE } : undefined,
      );
    },
  };
}

/** core/cli/engine-loader.ts in the command tree's bundle: bin/cli-bundle.js provides how to load the engine bundle. */
const ENGINE_LOADER_IN_BUNDLE = `let loader;
let loaded;
/** Called by bin/cli-bundle.js before main: { prepare(): Promise<exports>, now(): exports }. */
export function provideEngine(engineLoader) {
  loader = engineLoader;
}
export async function prepareEngine() {
  loaded ??= await loader.prepare();
}
export function engine() {
  // A top-level use in core/cli of something from outside it: the tree would need the engine to load.
  if (!loader) throw new Error('the command tree reads an engine export while it loads; use it inside a function');
  return (loaded ??= loader.now());
}
`;

/**
 * Each source's `import.meta` becomes its own file's, as if it ran unbundled: the engine finds
 * templates/, migrations and its own .ts entries (sandbox checks, the branch server runtime)
 * relative to the module that names them.
 */
function moduleUrls(root: string, cacheDir: string): Plugin {
  return {
    name: 'branchyard-module-urls',
    setup(esbuild) {
      esbuild.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta')) return { contents: source, loader: 'ts' };
        const { code } = await transform(source, {
          loader: 'ts',
          define: { 'import.meta': '__branchyardImportMeta' },
          sourcefile: path.relative(root, args.path),
        });
        const relative = JSON.stringify(path.relative(cacheDir, args.path));
        const meta =
          "import { pathToFileURL as __byFileUrl } from 'node:url';\nimport { resolve as __byResolve, dirname as __byDirname } from 'node:path';\n" +
          `const __byFilename = __byResolve(__dirname, ${relative});\n` +
          'const __branchyardImportMeta = { url: __byFileUrl(__byFilename).href, filename: __byFilename, dirname: __byDirname(__byFilename) };\n';
        return { contents: meta + code, loader: 'js' };
      });
    },
  };
}

/** The stand-ins of LAZY: a module per package whose exports forward to the real one, required on first use. */
function lazyPackages(): Plugin {
  const filter = new RegExp(
    `^(${Object.keys(LAZY)
      .map((name) => name.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))
      .join('|')})$`,
  );
  return {
    name: 'branchyard-lazy-packages',
    setup(esbuild) {
      // The stand-in's own require is the real package, left to node_modules.
      esbuild.onResolve({ filter }, (args) =>
        args.namespace === 'branchyard-lazy'
          ? { path: args.path, external: true }
          : { path: args.path, namespace: 'branchyard-lazy' },
      );
      esbuild.onLoad({ filter: /.*/, namespace: 'branchyard-lazy' }, (args) => {
        const exports = LAZY[args.path]!.map((name) =>
          name === 'default'
            ? // As Node's ESM import of a CommonJS package: its module.exports, unless it was compiled
              // from ESM with a default export of its own (node-pty is compiled but has none).
              'export default standIn(() => { const m = load(); return m && m.__esModule && m.default !== undefined ? m.default : m; });'
            : `export const ${name} = standIn(() => load().${name});`,
        );
        return {
          loader: 'js',
          contents: `let loaded;\nconst load = () => (loaded ??= require(${JSON.stringify(args.path)}));\n${STAND_IN}\n${exports.join('\n')}\n`,
        };
      });
    },
  };
}

const DEFERRED_REAL = Symbol('the deferred package itself');

/** The modules of DEFERRED: getters for every export, each requiring the package (bundled) on first use. */
async function deferredPackages(root: string): Promise<Plugin> {
  const names = new Map<string, string[]>();
  const requireFromRoot = createRequire(path.join(root, 'package.json'));
  for (const specifier of DEFERRED) {
    const exports = (await import(pathToFileURL(requireFromRoot.resolve(specifier)).href)) as Record<string, unknown>;
    names.set(
      specifier,
      Object.keys(exports).filter((name) => name !== 'default'),
    );
  }
  const filter = new RegExp(`^(${DEFERRED.map((name) => name.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|')})$`);
  return {
    name: 'branchyard-deferred-packages',
    setup(esbuild) {
      // The getters' own require is the package itself, bundled as usual: its ESM build, as an import
      // would resolve it (a require would take its CommonJS build, a second copy of drizzle-orm).
      esbuild.onResolve({ filter }, (args) => {
        if (args.pluginData === DEFERRED_REAL) return undefined;
        if (args.namespace !== 'branchyard-deferred') return { path: args.path, namespace: 'branchyard-deferred' };
        return esbuild.resolve(args.path, { kind: 'import-statement', resolveDir: root, pluginData: DEFERRED_REAL });
      });
      esbuild.onLoad({ filter: /.*/, namespace: 'branchyard-deferred' }, (args) => {
        const getters = names
          .get(args.path)!
          .map(
            (name) => `  ${JSON.stringify(name)}: { enumerable: true, get: () => load()[${JSON.stringify(name)}] },`,
          );
        return {
          loader: 'js',
          resolveDir: root,
          contents: `let loaded;\nconst load = () => (loaded ??= require(${JSON.stringify(args.path)}));\nObject.defineProperties(exports, {\n  __esModule: { value: true },\n${getters.join('\n')}\n});\n`,
        };
      });
    },
  };
}

/** A function that stands for the value `real()` returns: constructing, calling, reading a property or instanceof reach the real one. */
const STAND_IN = `function standIn(real) {
  const proxy = new Proxy(function standIn() {}, {
    construct: (_target, args, newTarget) => Reflect.construct(real(), args, newTarget === proxy ? real() : newTarget),
    apply: (_target, self, args) => Reflect.apply(real(), self, args),
    get: (_target, key) => Reflect.get(real(), key),
    has: (_target, key) => Reflect.has(real(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
  return proxy;
}`;

async function inputStats(
  root: string,
  files: string[],
  buildStarted: number,
): Promise<Array<[string, number, number]>> {
  const watched = new Set<string>();
  for (const file of files) {
    if (file === ENTRY_NAME || file === ENGINE_ENTRY_NAME || /^branchyard-(lazy|engine|deferred):/.test(file)) continue;
    // A package is watched through its package.json (npm rewrites it on install), not file by file.
    const pkg = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file);
    watched.add(pkg && file !== 'node_modules/.package-lock.json' ? `${pkg[1]}/package.json` : file);
  }
  const stats = await Promise.all(
    [...watched].sort().map(async (file): Promise<[string, number, number]> => {
      const info = await stat(path.join(root, file)).catch(() => undefined);
      // Missing (no lock file yet) or changed during the build: never matches, so the next start rebuilds.
      // A file dated in the future (a clock or an archive) is kept as it is, or every start would rebuild.
      if (!info) return [file, -1, -1];
      const changedWhileBuilding = info.mtimeMs >= buildStarted && info.mtimeMs <= Date.now();
      return [file, info.size, changedWhileBuilding ? -1 : info.mtimeMs];
    }),
  );
  return stats;
}

async function writeAtomically(file: string, contents: string | Uint8Array): Promise<void> {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, file);
}

/** Keeps the new bundles and the ones before them (a start that read the old manifest may still be opening them). */
async function removeOldBundles(cacheDir: string, keep: Set<string | undefined>): Promise<void> {
  for (const name of await readdir(cacheDir)) {
    const bundle = /^((?:cli|engine)-[0-9a-f]+\.cjs)(\.v8cache)?$/.exec(name)?.[1];
    if (bundle && !keep.has(bundle)) await rm(path.join(cacheDir, name), { force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildCli({ cacheDir: process.env.BRANCHYARD_CLI_CACHE || undefined });
  console.log(
    `built ${path.relative(process.cwd(), built.file)} from ${built.manifest.cli.inputs.length} inputs and ${path.relative(process.cwd(), built.engineFile)} from ${built.manifest.engine.inputs.length} in ${built.ms} ms`,
  );
}
