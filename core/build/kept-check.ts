// Incremental type-checks for the builds of one codebase. The engine runs for long and builds a
// codebase's branches one after another, each a small change to an earlier one, and a fresh
// compiler for each build resolved every module, bound every file and checked every file again
// (about 350 ms of a warm build on the CI machine, most of a build). The last check of each
// codebase is kept as TypeScript's builder program (what `tsc --watch` keeps): a new check reuses
// the unchanged files' syntax trees and semantic diagnostics, and checks again the files a change
// can affect: the changed ones and those whose imports' declared types changed, as the builder
// works them out from each file's declaration signature.
//
// Each tree is checked out in its own folder (trees/<tree id>/) and the compiler knows files by
// path, so the compiler sees every tree of a codebase under one fixed folder that exists nowhere
// on disk (the view), read from the tree's folder; diagnostics name files relative to it, as they
// would relative to the tree. The view is a sibling of the trees, so that looking up node_modules
// past it finds what it would past the tree.
//
// Builds of one codebase may run at once. A check takes the kept state out, and puts its own back
// without awaiting anything in between (the compiler is synchronous), so two checks never
// interleave; a check that throws leaves no state, and the next one starts afresh.
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type ts from 'typescript';
import { isLibrary, libraryCachingHost } from './library-files.ts';
import type { CheckedProgram } from './typecheck.ts';
import { compilerOptions, dedupe, outsideStack, sourceRoots, toDiagnostic } from './typecheck.ts';
import { typescript } from './typescript.ts';
import { agreementFile, agreementFileName } from './validators-agree.ts';

/** The program's one root, in memory: it imports every source file of the branch. */
const INDEX = '__branchyard_sources__.ts';
/** The validators' generated file, as the root imports it. */
const INDEX_OF_AGREEMENT = path.basename(agreementFileName('.'));

/** Kept while builds keep coming; an engine left idle gives the memory back. */
const IDLE_MS = 5 * 60_000;

interface Kept {
  builder: ts.SemanticDiagnosticsBuilderProgram;
  /** The validators' generated file the kept program holds, if any. */
  agreement: string | null;
  /**
   * Module resolutions made from the stack's own files (outside the view): the same for every
   * tree. A program that cannot reuse its old one's structure (a file was deleted) resolved them
   * all again.
   */
  stackResolutions: ts.ModuleResolutionCache;
}

const kept = new Map<string, Kept>();

/**
 * The builder compares files by `version`, a field the compiler's public types leave out (its own
 * watch host sets it the same way, to a hash of the text).
 */
type Versioned = ts.SourceFile & { version?: string };
const idle = new Map<string, NodeJS.Timeout>();

/** The fixed folder under which the compiler sees the trees checked out beside `dir`. */
export function viewOf(dir: string): string {
  return path.join(path.dirname(dir), '.view');
}

/**
 * Type-checks a tree checked out in `dir` as `typecheck` does, seen by the compiler under `view`
 * (diagnostics and the program's file names are relative to it), reusing what the last check
 * under the same view found for the files this change cannot affect.
 */
export function typecheckKept(dir: string, files: string[], view: string): CheckedProgram {
  const ts = typescript();
  const options = { ...compilerOptions(), typeRoots: [path.join(view, 'node_modules', '@types')] };
  const previous = kept.get(view);
  kept.delete(view);
  const generatedName = agreementFileName(view);
  const indexName = path.join(view, INDEX);
  const inMemory = new Map<string, string>();
  let last = previous?.builder.getProgram();
  const stackResolutions = previous?.stackResolutions ?? resolutionCache(options);
  const host = viewHost(options, view, dir, inMemory, () => last);
  // Resolutions made from the tree's own files depend on the tree: made afresh for each check.
  const treeResolutions = resolutionCache(options);
  const inView = (name: string) => name === view || name.startsWith(view + path.sep);
  host.getModuleResolutionCache = () => treeResolutions;
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, settings, containingSource) =>
    literals.map((literal) =>
      ts.resolveModuleName(
        literal.text,
        containingFile,
        settings,
        host,
        inView(containingFile) ? treeResolutions : stackResolutions,
        redirected,
        ts.getModeForUsageLocation(containingSource, literal, settings),
      ),
    );
  const sources = sourceRoots(files);
  // One root that imports every source file: a program whose root files differ from its old
  // program's reuses nothing of it (TypeScript resolves every module again), and branches add files.
  const check = (old: ts.SemanticDiagnosticsBuilderProgram | undefined, agreement: string | null) => {
    inMemory.clear();
    if (agreement !== null) inMemory.set(generatedName, agreement);
    const imports = [...sources, ...(agreement !== null ? [INDEX_OF_AGREEMENT] : [])];
    inMemory.set(indexName, imports.map((file) => `import ${JSON.stringify(`./${file}`)};`).join('\n'));
    const builder = ts.createSemanticDiagnosticsBuilderProgram([indexName], options, host, old);
    last = builder.getProgram();
    return builder;
  };

  // The validators' file depends on what the branch exports; it is usually the last one's, so the
  // program is made with that, and made again (reusing itself) only when it differs.
  let builder = check(previous?.builder, previous?.agreement ?? null);
  const agreement = agreementFile(builder.getProgram(), view);

  if ((agreement?.text ?? null) !== (previous?.agreement ?? null)) builder = check(builder, agreement?.text ?? null);

  const program = builder.getProgram();
  const generatedFile = agreement ? program.getSourceFile(generatedName) : undefined;
  const found = ts.sortAndDeduplicateDiagnostics([
    ...builder.getOptionsDiagnostics(),
    ...builder.getSyntacticDiagnostics(),
    ...builder.getGlobalDiagnostics(),
    ...builder.getSemanticDiagnostics(),
  ]);

  const index = program.getSourceFile(indexName);
  const own = found.filter((d) => d.file === undefined || (d.file !== generatedFile && d.file !== index));
  const diagnostics = dedupe([
    ...outsideStack(program, view),
    ...own.map((d) => toDiagnostic(d, view)),
    ...(agreement && generatedFile ? agreement.disagreements(found, generatedFile) : []),
  ]);

  kept.set(view, { builder, agreement: agreement?.text ?? null, stackResolutions });
  clearTimeout(idle.get(view));
  idle.set(view, setTimeout(() => (kept.delete(view), idle.delete(view)), IDLE_MS).unref());
  return { program, diagnostics };
}

function resolutionCache(options: ts.CompilerOptions): ts.ModuleResolutionCache {
  const ts = typescript();
  return ts.createModuleResolutionCache(process.cwd(), (name) => name, options);
}

/** How many codebases have a kept check (for tests). */
export function keptChecks(): number {
  return kept.size;
}

/**
 * A compiler host that shows the files of `dir` under `view`, plus `extra` files that exist only
 * in memory. A file whose text is the same as in the last program is that program's own syntax
 * tree (already parsed and bound); every file carries a version (its text's hash), which the
 * builder compares.
 */
function viewHost(
  options: ts.CompilerOptions,
  view: string,
  dir: string,
  extra: ReadonlyMap<string, string>,
  lastProgram: () => ts.Program | undefined,
): ts.CompilerHost {
  const ts = typescript();
  const host = libraryCachingHost(options);
  const real = realpathSync(dir);
  const toDisk = (name: string) =>
    name === view || name.startsWith(view + path.sep) ? dir + name.slice(view.length) : name;
  const toView = (name: string) => {
    for (const prefix of [dir, real])
      if (name === prefix || name.startsWith(prefix + path.sep)) return view + name.slice(prefix.length);
    return name;
  };
  const base = {
    fileExists: host.fileExists.bind(host),
    readFile: host.readFile.bind(host),
    directoryExists: host.directoryExists?.bind(host),
    getDirectories: host.getDirectories?.bind(host),
    realpath: host.realpath?.bind(host),
    getSourceFile: host.getSourceFile.bind(host),
  };
  host.fileExists = (name) => extra.has(name) || base.fileExists(toDisk(name));
  host.readFile = (name) => extra.get(name) ?? base.readFile(toDisk(name));
  host.directoryExists = (name) => base.directoryExists?.(toDisk(name)) ?? true;
  host.getDirectories = (name) => base.getDirectories?.(toDisk(name)) ?? [];
  host.realpath = (name) => toView(base.realpath ? base.realpath(toDisk(name)) : toDisk(name));
  host.getSourceFile = (name, language, onError, create) => {
    const disk = toDisk(name);
    if (!extra.has(name) && isLibrary(disk)) return versioned(base.getSourceFile(disk, language, onError, create));
    const text = extra.get(name) ?? base.readFile(disk);
    if (text === undefined) {
      onError?.(`cannot read ${name}`);
      return undefined;
    }
    const version = hash(text);
    const settings = typeof language === 'object' ? language : { languageVersion: language };
    const prior: Versioned | undefined = lastProgram()?.getSourceFile(name);
    if (
      !create &&
      prior?.version === version &&
      prior.languageVersion === settings.languageVersion &&
      prior.impliedNodeFormat === settings.impliedNodeFormat
    )
      return prior;
    const file: Versioned = ts.createSourceFile(name, text, language);
    file.version = version;
    return file;
  };
  return host;
}

/** Library files are shared between programs; each is given its version once. */
function versioned(file: Versioned | undefined): ts.SourceFile | undefined {
  if (file && file.version === undefined) file.version = hash(file.text);
  return file;
}

function hash(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
