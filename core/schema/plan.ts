// From two schemas to the SQL between them: both are type-checked (a schema that does not
// compile is reported with its file and line), bundled with drizzle-orm alone, and handed to
// schema-tool.mjs for drizzle-kit's snapshots and migration. Reading a bundle runs the agent's
// code, so the tool runs where its runner says: the engine's sandbox (SchemaToolRunner). Plans
// are kept by the content of both schemas, so checking again, or for many branches, costs nothing.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';
import { linkStack, thrownLine, typecheck } from '../build/index.ts';
import { describeError } from '../errors/index.ts';
import type { SchemaFiles } from './schema-files.ts';
import type { SchemaProblem } from './report.ts';

export interface ColumnSnapshot {
  name: string;
  type: string;
  typeSchema?: string;
  notNull: boolean;
  primaryKey: boolean;
  default?: unknown;
  identity?: unknown;
  generated?: unknown;
}

export interface TableSnapshot {
  name: string;
  schema: string;
  columns: Record<string, ColumnSnapshot>;
}

/** The parts of a drizzle-kit PostgreSQL snapshot the checks read; the rest is kept as it is. */
export interface PgSnapshot {
  id: string;
  tables: Record<string, TableSnapshot>;
  enums: Record<string, unknown>;
}

export interface MigrationPlan {
  prev: PgSnapshot;
  cur: PgSnapshot;
  statements: string[];
}

export type PlanResult = { ok: true; plan: MigrationPlan } | { ok: false; problems: SchemaProblem[] };

const TOOL = fileURLToPath(new URL('./schema-tool.mjs', import.meta.url));
const TOOL_TIMEOUT_MS = 60_000;

/** What the schema tool printed, or why it did not finish. */
export type SchemaToolOutcome = { ok: true; stdout: string } | { ok: false; error: string };

/**
 * Runs `node <toolDir>/schema-tool.mjs prev.mjs cur.mjs` in `bundles` (a folder holding only the
 * two bundles) and gives back its stdout. The default runs it as a child process on the host, for
 * schemas the caller trusts (the tests' own); the engine passes its sandbox.
 */
export type SchemaToolRunner = (bundles: string, toolDir: string, timeoutMs: number) => Promise<SchemaToolOutcome>;

export interface PlanOptions {
  /** A folder of the engine's own (`.branchyard/schema`) for work files and kept plans. */
  workDir: string;
  shared: SchemaFiles;
  proposed: SchemaFiles;
  /** How the two are named in problems: where each schema's files are. */
  sharedDir: string;
  proposedDir: string;
  runTool?: SchemaToolRunner;
}

export async function planMigration(options: PlanOptions): Promise<PlanResult> {
  const key = createHash('sha256').update(await readFile(TOOL));
  for (const files of [options.shared, options.proposed]) {
    key.update(`${files.size}\0`);
    for (const [file, text] of files) key.update(`${file}\0${text}\0`);
  }
  const kept = path.join(options.workDir, 'plans', `${key.digest('hex').slice(0, 32)}.json`);
  const cached = await readFile(kept, 'utf8').then(
    (text) => JSON.parse(text) as PlanResult,
    () => undefined,
  );
  if (cached) return cached;

  const work = path.join(options.workDir, 'work', randomBytes(6).toString('hex'));
  try {
    const bundles = path.join(work, 'bundles');
    const prev = await prepare(
      path.join(work, 'shared'),
      options.shared,
      options.sharedDir,
      path.join(bundles, 'prev.mjs'),
    );
    const cur = await prepare(
      path.join(work, 'proposed'),
      options.proposed,
      options.proposedDir,
      path.join(bundles, 'cur.mjs'),
    );
    const problems = [...prev.problems, ...cur.problems];
    const result: PlanResult =
      problems.length > 0 ? { ok: false, problems } : await plan(bundles, options.runTool ?? runOnHost);
    await mkdir(path.dirname(kept), { recursive: true });
    await writeFile(`${kept}.${process.pid}`, JSON.stringify(result));
    await rename(`${kept}.${process.pid}`, kept);
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const MODELS = 'src/schema/models';

/** Writes a schema's files with the stack beside them, type-checks them and bundles them. */
async function prepare(
  dir: string,
  files: SchemaFiles,
  shownAs: string,
  bundle: string,
): Promise<{ problems: SchemaProblem[] }> {
  for (const [file, text] of files) {
    await mkdir(path.dirname(path.join(dir, MODELS, file)), { recursive: true });
    await writeFile(path.join(dir, MODELS, file), text);
  }
  // The boilerplate's modules are ES modules, as its package.json says.
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  await linkStack(dir);
  const names = [...files.keys()].map((file) => `${MODELS}/${file}`);
  const place = (file: string | null) =>
    file?.startsWith(`${MODELS}/`) ? `${shownAs}/${file.slice(MODELS.length + 1)}` : (file ?? shownAs);
  const { diagnostics } = typecheck(dir, names);
  if (diagnostics.length > 0) {
    return {
      problems: diagnostics.map((d) => ({
        kind: 'compile' as const,
        place: `${place(d.file)}${d.line ? `:${d.line}:${d.column}` : ''}`,
        message: `does not compile: ${d.message} (${d.code})`,
      })),
    };
  }
  const entry = path.join(dir, 'entry.ts');
  await writeFile(entry, names.map((name) => `export * from './${name}';`).join('\n') + '\n');
  try {
    await build({
      entryPoints: [entry],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      plugins: [onlyDrizzle(shownAs)],
    });
  } catch (error) {
    const errors =
      (error as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }> })
        .errors ?? [];
    return {
      problems: errors.length
        ? errors.map((e) => ({
            kind: 'compile' as const,
            place: e.location ? `${place(e.location.file)}:${e.location.line}:${e.location.column + 1}` : shownAs,
            message: e.text,
          }))
        : [{ kind: 'compile' as const, place: shownAs, message: describeError(error) }],
    };
  }
  return { problems: [] };
}

/** A schema defines tables with drizzle-orm; it may import its own files and nothing else. */
function onlyDrizzle(shownAs: string): Plugin {
  return {
    name: 'only-drizzle',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path === 'drizzle-orm' || args.path.startsWith('drizzle-orm/')) return undefined;
        return {
          errors: [{ text: `${shownAs}: a schema may import only drizzle-orm and its own files, not "${args.path}"` }],
        };
      });
    },
  };
}

async function plan(bundles: string, run: SchemaToolRunner): Promise<PlanResult> {
  const ran = await run(bundles, path.dirname(TOOL), TOOL_TIMEOUT_MS);
  if (ran.ok) return { ok: true, plan: JSON.parse(ran.stdout) as MigrationPlan };
  return {
    ok: false,
    problems: [
      { kind: 'compile', place: 'schema', message: `the schema could not be read by drizzle-kit: ${ran.error}` },
    ],
  };
}

function runOnHost(bundles: string, toolDir: string, timeoutMs: number): Promise<SchemaToolOutcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(toolDir, 'schema-tool.mjs'), 'prev.mjs', 'cur.mjs'],
      { cwd: bundles, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve({ ok: true, stdout });
        resolve({
          ok: false,
          error: error.killed ? `no answer within ${timeoutMs / 1000} s` : thrownLine(stderr, error.message),
        });
      },
    );
  });
}
