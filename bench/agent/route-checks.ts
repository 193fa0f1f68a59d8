// Route checks of a branch with 50 routes in the sandbox: the server built from the tree,
// started in a container with no network, every route called with generated and wrong inputs,
// beside the type-check of the same files alone (the compiler the checks run anyway).
//   node --import tsx bench/agent/route-checks.ts [--routes 50] [--runs 3] [--process]
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runRouteChecks } from '../../core/agent/index.ts';
import { linkStack, typecheck } from '../../core/build/index.ts';
import { openSandbox } from '../../core/sandbox/index.ts';
import { treeFiles } from '../../core/testing/index.ts';

const { values } = parseArgs({
  options: {
    routes: { type: 'string', default: '50' },
    runs: { type: 'string', default: '3' },
    process: { type: 'boolean', default: false },
  },
});
const ROUTES = Number(values.routes);
const RUNS = Number(values.runs);
const BOILERPLATE = new URL('../../templates/codebase/', import.meta.url).pathname;

/** Functions of a few shapes, five to a feature: queries with numbers and strings, mutations with bodies. */
function feature(index: number, count: number): string {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = index * 5 + i;
    switch (i % 5) {
      case 0:
        parts.push(
          `export function getItem${n}(input: { id: string }): { id: string; size: number } {\n  return { id: input.id, size: input.id.length };\n}`,
        );
        break;
      case 1:
        parts.push(
          `export function listItems${n}(input: { limit: number; tag?: string }): { items: string[] } {\n  return { items: Array.from({ length: Math.max(0, Math.min(3, Math.floor(input.limit))) }, (_, k) => \`\${input.tag ?? 'x'}\${k}\` ) };\n}`,
        );
        break;
      case 2:
        parts.push(
          `export function createItem${n}(input: { name: string; count: number; done: boolean }): { name: string; total: number } {\n  return { name: input.name, total: input.count + (input.done ? 1 : 0) };\n}`,
        );
        break;
      case 3:
        parts.push(
          `export function updateItem${n}(input: { id: string; tags: string[] }): { id: string; tags: number } {\n  return { id: input.id, tags: input.tags.length };\n}`,
        );
        break;
      default:
        parts.push(
          `export function findItem${n}(input: { q: string }): { found: boolean } {\n  return { found: input.q.includes('a') };\n}`,
        );
    }
  }
  return `${parts.join('\n\n')}\n`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const dir = await mkdtemp(path.join(os.tmpdir(), 'branchyard-bench-routes-'));
try {
  await cp(BOILERPLATE, dir, { recursive: true });
  // The boilerplate's notes add 3 routes: the rest come in features of five.
  for (let f = 0; f * 5 < ROUTES - 3; f++) {
    const file = path.join(dir, 'src', 'features', `items${f}`, 'controllers', 'items.ts');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, feature(f, Math.min(5, ROUTES - 3 - f * 5)));
  }
  await linkStack(dir);
  const files = await treeFiles(dir);
  const sandbox = await openSandbox({
    limits: { memoryMb: 512, cpus: 1, pids: 128 },
    backend: values.process ? 'process' : 'docker',
  });
  const checks: number[] = [];
  const compiles: number[] = [];
  let last;
  for (let run = 0; run < RUNS; run++) {
    let started = performance.now();
    const diagnostics = typecheck(dir, files).diagnostics;
    compiles.push(performance.now() - started);
    if (diagnostics.length > 0) throw new Error(`the bench's branch does not type-check: ${diagnostics[0]!.message}`);
    started = performance.now();
    last = await runRouteChecks({ sandbox, dir, files, typeChecked: true });
    checks.push(performance.now() - started);
    if (!last.passed)
      throw new Error(`the bench's branch failed its route checks: ${JSON.stringify(last.failures.slice(0, 2))}`);
  }
  const ms = (x: number) => `${Math.round(x).toString().padStart(6)} ms`;
  console.log(
    `bench/agent: route checks of a branch with ${last!.routes} routes, in the sandbox (${sandbox.isolation}), median of ${RUNS}`,
  );
  console.log(`  route checks (build, start, ${last!.calls} calls)   ${ms(median(checks))}   (goal ≤ 5000 ms)`);
  console.log(`  type-check of the same files (reference)   ${ms(median(compiles))}`);
  console.log(`  ratio route checks / type-check              ${(median(checks) / median(compiles)).toFixed(2)} ×`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
