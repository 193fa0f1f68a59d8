// Builds the CLI and the engine into one CommonJS file, so `branchyard` starts without compiling
// TypeScript (tsx took ~2.4 s for `--help`). bin/cli-bundle.js runs it with a V8 code cache and
// rebuilds it through this file when any input changed; `npm run build:cli` builds it ahead.
//
// What stays outside the bundle, loaded from node_modules as before: native or wasm packages and
// those that find their own files beside them (PGlite, esbuild, node-pty, dockerode's .proto files,
// swagger-ui-dist), and what loads only when used (the TypeScript compiler, drizzle-kit,
// gpt-tokenizer, pm2). Everything else (zod, tRPC, drizzle-orm, openai, isomorphic-git…) is inside:
// reading ~1,300 small files was most of the start.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';
import type { Plugin } from 'esbuild';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Where the bundle lives by default; BRANCHYARD_CLI_CACHE moves it (a folder inside the checkout, so packages resolve). */
export const DEFAULT_CACHE = 'node_modules/.cache/branchyard-cli';
/** Read by bin/cli-bundle.js: a manifest of another format is rebuilt. */
export const MANIFEST_FORMAT = 1;
/** The bundle's entry, given to esbuild as text: not a file to watch. */
const ENTRY_NAME = 'branchyard-cli-entry.ts';

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
};
/** Files the bundle depends on besides its inputs: a change to any rebuilds it. */
const EXTRA_INPUTS = [
  'scripts/build-cli.ts',
  'bin/cli-bundle.js',
  'package.json',
  'tsconfig.json',
  'node_modules/.package-lock.json',
];

export interface CliManifest {
  format: number;
  /** The bundle's file name in the cache folder: named by its content hash, so a code cache never meets another bundle. */
  bundle: string;
  builtAt: string;
  /** [path relative to the root, size, mtimeMs]; mtimeMs -1 marks a file that changed while building (stale at once). */
  inputs: Array<[string, number, number]>;
}

export interface BuiltCli {
  file: string;
  manifest: CliManifest;
  ms: number;
}

export async function buildCli(options: { root?: string; cacheDir?: string } = {}): Promise<BuiltCli> {
  const root = options.root ?? ROOT;
  const cacheDir = path.resolve(root, options.cacheDir ?? DEFAULT_CACHE);
  const started = Date.now();
  const result = await build({
    stdin: {
      contents: "export { main } from './core/cli/index.ts';\n",
      resolveDir: root,
      sourcefile: ENTRY_NAME,
      loader: 'ts',
    },
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
    plugins: [moduleUrls(root, cacheDir), lazyPackages()],
  });
  const warnings = result.warnings.filter(
    (w) => w.id === 'empty-import-meta' || w.id === 'unsupported-dynamic-import' || w.id === 'unsupported-require-call',
  );
  if (warnings.length)
    throw new Error(
      `the CLI bundle would differ from the sources: ${warnings.map((w) => `${w.location?.file}:${w.location?.line}: ${w.text}`).join('; ')}`,
    );
  const code = result.outputFiles[0]!.contents;
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const bundle = `cli-${hash}.cjs`;
  await mkdir(cacheDir, { recursive: true });
  const file = path.join(cacheDir, bundle);
  await writeAtomically(file, code);

  const inputs = await inputStats(root, [...Object.keys(result.metafile.inputs), ...EXTRA_INPUTS], started);
  const manifest: CliManifest = { format: MANIFEST_FORMAT, bundle, builtAt: new Date().toISOString(), inputs };
  const manifestFile = path.join(cacheDir, 'manifest.json');
  const previous = await readFile(manifestFile, 'utf8').then(
    (text) => (JSON.parse(text) as CliManifest).bundle,
    () => undefined,
  );
  await writeAtomically(manifestFile, JSON.stringify(manifest));
  await removeOldBundles(cacheDir, new Set([bundle, previous]));
  return { file, manifest, ms: Date.now() - started };
}

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
    if (file === ENTRY_NAME || file.startsWith('branchyard-lazy:')) continue;
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

/** Keeps the new bundle and the one before it (a start that read the old manifest may still be opening it). */
async function removeOldBundles(cacheDir: string, keep: Set<string | undefined>): Promise<void> {
  for (const name of await readdir(cacheDir)) {
    const bundle = /^(cli-[0-9a-f]+\.cjs)(\.v8cache)?$/.exec(name)?.[1];
    if (bundle && !keep.has(bundle)) await rm(path.join(cacheDir, name), { force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildCli({ cacheDir: process.env.BRANCHYARD_CLI_CACHE || undefined });
  console.log(
    `built ${path.relative(process.cwd(), built.file)} from ${built.manifest.inputs.length} inputs in ${built.ms} ms`,
  );
}
