// Route checks on real working trees: the server built from the tree runs in the Docker
// sandbox (no network) and the engine calls every route with generated inputs from outside.
import { cp, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../sandbox/index.ts';
import { openSandbox } from '../../sandbox/index.ts';
import { tempDir, treeFiles } from '../../testing/index.ts';
import { describeRouteChecks, runRouteChecks } from './route-checks.ts';

const BOILERPLATE = new URL('../../../templates/codebase/', import.meta.url).pathname;
const LIMITS = { memoryMb: 512, cpus: 1, pids: 128 };

describe('route checks in the sandbox', () => {
  let sandbox: Sandbox;
  let tmp: { path: string; dispose: () => Promise<void> };
  beforeAll(async () => {
    sandbox = await openSandbox({ limits: LIMITS, backend: 'docker' }).catch((error: Error) => {
      throw new Error(`route checks need the Docker engine (start dockerd): ${error.message}`);
    });
    tmp = await tempDir();
  });
  afterAll(() => tmp?.dispose());

  async function tree(name: string, files: Record<string, string>): Promise<{ dir: string; files: string[] }> {
    const dir = path.join(tmp.path, name);
    await cp(BOILERPLATE, dir, { recursive: true });
    for (const [file, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), content);
    }
    return { dir, files: await treeFiles(dir) };
  }

  it('passes the boilerplate: every route called with generated and wrong inputs, from outside the container', async () => {
    const report = await runRouteChecks({ sandbox, ...(await tree('boilerplate', {})) });
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ passed: true, routes: 3, isolation: 'container' });
    // 1 document, 20 valid inputs for each of 3 routes, and the wrong ones.
    expect(report.calls).toBeGreaterThan(60);
  });

  it('fails a route that throws for some valid inputs, and gives the agent the (shrunk) input, the status and the body', async () => {
    const report = await runRouteChecks({
      sandbox,
      ...(await tree('throws', {
        'src/features/math/controllers/math.ts': [
          '/** The square root; breaks on negative numbers. */',
          'export function findRoot(input: { n: number }): { root: number } {',
          "  if (input.n < 0) throw new Error('negative');",
          '  return { root: Math.sqrt(input.n) };',
          '}',
          '',
        ].join('\n'),
      })),
    });
    expect(report.passed).toBe(false);
    expect(report.failures).toHaveLength(1);
    const failure = report.failures[0]!;
    expect(failure).toMatchObject({
      method: 'GET',
      path: '/math/find-root',
      kind: 'valid',
      status: 500,
      reason: 'a valid input got 500',
    });
    expect((failure.input as { n: number }).n).toBeLessThan(0);
    expect(failure.body).toContain('internal error');
    const told = describeRouteChecks(report);
    expect(told).toContain('- GET /math/find-root: a valid input got 500');
    expect(told).toMatch(/input: \{"n":-[\d.e-]+\}/);
  });

  it('fails a route that accepts inputs of the wrong type', async () => {
    const report = await runRouteChecks({
      sandbox,
      ...(await tree('accepts-anything', {
        'src/features/tags/controllers/tags.ts':
          'export function createTag(input: { name: string }): { name: string } {\n  return { name: String(input.name ?? "") };\n}\n',
        // Agrees with the function's types (its input is unknown), but takes a number or nothing as a name.
        'src/features/tags/validators/tags.ts':
          "import { z } from 'zod';\nexport const createTagInput = z.object({ name: z.coerce.string() });\n",
      })),
    });
    expect(report.passed).toBe(false);
    expect(report.failures[0]).toMatchObject({
      method: 'POST',
      path: '/tags/create-tag',
      kind: 'wrong',
      reason: expect.stringMatching(/^an input of the wrong type was accepted \(200\)$/),
    });
  });

  it('does not call the routes of a branch that connects to its database, saying why (the sandbox has no copy of it yet)', async () => {
    const report = await runRouteChecks({
      sandbox,
      ...(await tree('database', {
        'src/features/users/queries/users-queries.ts':
          "import pg from 'pg';\nexport async function countUsers(): Promise<number> {\n  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });\n  await client.connect();\n  const result = await client.query('select count(*) as n from users');\n  await client.end();\n  return Number(result.rows[0].n);\n}\n",
        'src/features/users/controllers/users.ts':
          "import { countUsers } from '../queries/users-queries.ts';\nexport async function getUserCount(): Promise<{ count: number }> {\n  return { count: await countUsers() };\n}\n",
      })),
    });
    expect(report).toMatchObject({
      passed: true,
      calls: 0,
      failures: [],
      skipped:
        'src/features/users/queries/users-queries.ts connects to the database, and route checks do not run against a copy of it yet',
    });
    expect(describeRouteChecks(report)).toBe(
      'Route checks: not run (src/features/users/queries/users-queries.ts connects to the database, and route checks do not run against a copy of it yet).',
    );
  });

  it('reports what the build would refuse, without starting anything', async () => {
    const broken = await tree('unexposable', {
      'src/features/pairs/controllers/pairs.ts':
        'export function addPair(a: number, b: number): number {\n  return a + b;\n}\n',
    });
    const report = await runRouteChecks({ sandbox, ...broken });
    expect(report).toMatchObject({ passed: false, calls: 0 });
    expect(report.failures[0]!.reason).toMatch(
      /the branch would not build:\nsrc\/features\/pairs\/controllers\/pairs.ts:1 pairs.addPair: takes 2 parameters/,
    );
    await rm(broken.dir, { recursive: true, force: true });
  });
});
