// Benchmark (issue 4): build a branch exposing 500 functions (type-check, routes, generated
// router and OpenAPI, bundle), cold and cached, beside the TypeScript compiler alone
// type-checking the same files in the same run. Prints the figures and the ratio.
//   node --import tsx bench/build/build-500.ts [--functions 500] [--runs 3]
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBranch } from '../../core/build/index.ts';
import { addCodebase, createBranch, openCodebase } from '../../core/git/index.ts';
import { initWorkspace, workspacePaths } from '../../core/workspace/index.ts';

const { values } = parseArgs({
  options: { functions: { type: 'string', default: '500' }, runs: { type: 'string', default: '3' } },
});
const FUNCTIONS = Number(values.functions);
const RUNS = Number(values.runs);
const PER_FEATURE = 10;
const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

function controller(feature: number, variant: number): string {
  const lines = [`// feature ${feature}, variant ${variant}`];
  for (let f = 0; f < PER_FEATURE; f++) {
    const name = f % 2 === 0 ? `getItem${f}` : `updateItem${f}`;
    lines.push(
      `export interface Item${f} { id: string; count: number; tags: string[]; state: 'open' | 'closed'; note?: string | null }`,
      `/** Function ${f} of feature ${feature}. */`,
      `export function ${name}(input: { id: string; count?: number }): Item${f} {`,
      `  return { id: input.id, count: (input.count ?? 0) + ${variant}, tags: [], state: 'open' };`,
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

function median(samples: number[]): number {
  return [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

const tmp = await mkdtemp(path.join(os.tmpdir(), 'branchyard-bench-build-'));
try {
  const root = path.join(tmp, 'ws');
  await initWorkspace({ dir: root });
  const paths = workspacePaths(root);
  await addCodebase({ workspace: paths, logsRepository: '../ws-logs', name: 'big' });
  const codebase = await openCodebase(paths, 'big');
  const cold: number[] = [];
  const cached: number[] = [];
  const reference: number[] = [];
  let routes = 0;
  for (let run = 0; run < RUNS; run++) {
    // A fresh tree every run, so the cold build really is cold.
    const writes = Array.from({ length: Math.ceil(FUNCTIONS / PER_FEATURE) }, (_, i) => ({
      path: `src/features/f${i}/controllers/items.ts`,
      content: Buffer.from(controller(i, run)),
    }));
    const branch = (
      await createBranch({
        codebase,
        logsRepository: '../ws-logs',
        parent: 1,
        changes: { writes, deletes: [] },
        author: 'user',
        message: `${FUNCTIONS} functions, run ${run}`,
      })
    ).info.number;

    let start = performance.now();
    const result = await buildBranch(codebase, branch);
    cold.push(performance.now() - start);
    if (!result.ok)
      throw new Error(
        `the benchmark branch does not build: ${JSON.stringify([...result.diagnostics, ...result.problems].slice(0, 3))}`,
      );
    routes = result.routes.length;

    start = performance.now();
    await buildBranch(codebase, branch);
    cached.push(performance.now() - start);

    // The compiler alone on the same checkout, with the boilerplate's tsconfig.
    const checkout = path.join(paths.engineDir, 'builds', 'big', 'trees', result.tree);
    start = performance.now();
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, [TSC, '-p', path.join(checkout, 'tsconfig.json')], (error, stdout) =>
        error ? reject(new Error(stdout)) : resolve(),
      ),
    );
    reference.push(performance.now() - start);
  }
  const c = median(cold);
  const r = median(reference);
  console.log(`bench/build: a branch exposing ${routes} functions (median of ${RUNS})`);
  console.log(`  build, cold (check, routes, router, OpenAPI, bundle) ${c.toFixed(0).padStart(7)} ms`);
  console.log(`  build, cached (same tree)                           ${median(cached).toFixed(0).padStart(7)} ms`);
  console.log(`  tsc -p alone on the same files (reference)          ${r.toFixed(0).padStart(7)} ms`);
  console.log(`  ratio cold build / tsc                              ${(c / r).toFixed(2).padStart(7)} ×`);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
