// The workspaces bench/ui measures in: a loaded one (a 2,000-line file in branch 00002, hundreds
// of revisions that each asked a question, a 12k-token log) and an empty one of the same shape,
// each served by a real `branchyard serve` with the scripted LLM standing in for the model.
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { scriptedLlm } from '../../core/agent/fixtures/scripted-llm.ts';
import { useFreePorts } from '../../core/gateway/fixtures/gateway-fixture.ts';
import { commitToWorkspace, formatRevision, openCodebase } from '../../core/git/index.ts';
import { readRevision } from '../../core/revisions/index.ts';
import { workspacePaths } from '../../core/workspace/index.ts';
import { callApi } from '../../e2e/support/api.ts';
import type { ServeProcess } from '../../e2e/support/engine.ts';
import { runCli, startServeProcess } from '../../e2e/support/engine.ts';

const ENV = { BRANCHYARD_RUNTIME: 'host', BRANCHYARD_AI_KEY: 'sk-bench' };
/** How many revisions go through the real dev flow; the others copy the first one's record. */
const REAL_REVISIONS = 8;

export interface Shape {
  fileLines: number;
  revisions: number;
  logTokens: number;
}
export async function prepare(
  root: string,
  name: string,
  shape: Shape,
): Promise<{ serve: ServeProcess; close(): Promise<void> }> {
  const workspace = path.join(root, name);
  await runCli(['init', workspace]);
  await useFreePorts(workspacePaths(workspace));
  // The agent's stand-in: each prompt ends at once with a question (one call each).
  const llm = await scriptedLlm(
    Array.from({ length: shape.revisions }, (_, i) => ({
      reply: {
        content: `Revision ${i + 1}: which fields should the **user** have?`,
        toolCalls: [{ name: 'ask_user', arguments: { questions: ['Which fields?'] } }],
      },
    })),
  );
  const config = path.join(workspace, 'ai', 'config.json');
  await writeFile(
    config,
    JSON.stringify(
      {
        ...(JSON.parse(await readFile(config, 'utf8')) as object),
        provider: 'test',
        baseUrl: llm.baseUrl,
        model: 'scripted/model',
      },
      null,
      2,
    ),
  );
  let serve = await startServeProcess(workspace, ENV);
  await callApi(serve, 'codebase.add', { name: 'users' });
  await callApi(serve, 'codebase.add', { name: 'orders' });
  const change = path.join(root, `${name}-change`, 'src', 'features', 'users', 'controllers');
  await mkdir(change, { recursive: true });
  const rows = Array.from(
    { length: shape.fileLines - 2 },
    (_, i) => `  { id: ${i + 1}, name: 'user ${i + 1}', email: 'user${i + 1}@example.com' },`,
  );
  await writeFile(path.join(change, 'list-users.ts'), `const USERS = [\n${rows.join('\n')}\n];\n`);
  await callApi(serve, 'branch.new', {
    codebase: 'users',
    dir: path.join(root, `${name}-change`),
    message: 'List users',
  });
  // A log of about the tokens asked for (an access line is ~24 tokens).
  const logs = path.join(root, `${name}-logs`, 'codebases', 'users', 'branches', '00002', 'api-gateway');
  await mkdir(logs, { recursive: true });
  const lines = Array.from(
    { length: Math.ceil(shape.logTokens / 24) },
    (_, i) =>
      `2026-12-01T12:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z development GET /users/list-users?page=${i} ${i % 7 ? 200 : 404} ${(i % 97) / 10}ms 312B 127.0.0.1 proxied`,
  );
  await writeFile(
    path.join(logs, `${Math.ceil(shape.logTokens / 1000)}k-20261201-120000.log`),
    `${lines.join('\n')}\n`,
  );
  // The first revisions go through the real dev flow (the scripted model answering at once)…
  const real = Math.min(REAL_REVISIONS, shape.revisions);
  await Promise.all(
    Array.from({ length: real }, () =>
      callApi(serve, 'agent.prompt', { codebase: 'users', text: 'Add a route that lists users with pagination' }),
    ),
  );
  for (let waited = 0; ; waited += 1000) {
    const list = await callApi<{ status: string }[]>(serve, 'revision.list', { codebase: 'users' }, 'query');
    if (list.filter((r) => r.status !== 'open' && r.status !== 'running').length >= real) break;
    if (waited > 600_000) throw new Error(`the ${real} scripted revisions did not all end in 10 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  if (shape.revisions > real) {
    // …and the rest are copies of the first one's record and transcript, read into the engine state
    // when it starts again: the dev flow through the scripted model took over 30 minutes for 500
    // on a loaded machine, almost all of it the engine's own bookkeeping per turn.
    await serve.stop();
    await copyRevisions(workspace, 'users', real, shape.revisions);
    serve = await startServeProcess(workspace, ENV);
  }
  return {
    serve,
    close: async () => {
      await serve.stop();
      await llm.close();
    },
  };
}

/**
 * Revisions `from + 1` to `to` of a codebase, each a copy of revision 1's record (its folder's
 * files as the engine wrote them, renumbered) and transcript, committed to the workspace at once;
 * the engine reads and checks each one when it starts (core/revisions' reindex). Written one by
 * one through core/revisions they took over 30 minutes for 500 on a loaded machine: four workspace
 * commits each, over a tree that grows with every revision.
 */
async function copyRevisions(workspace: string, name: string, from: number, to: number): Promise<void> {
  const paths = workspacePaths(workspace);
  const codebase = await openCodebase(paths, name);
  const model = await readRevision(codebase, 1);
  const files = await readdir(model.dir);
  const texts = new Map(
    await Promise.all(files.map(async (f) => [f, await readFile(path.join(model.dir, f), 'utf8')] as const)),
  );
  const transcript = (n: number) => path.join(paths.engineDir, 'agent', name, formatRevision(n), 'transcript.json');
  for (let n = from + 1; n <= to; n++) {
    const dir = codebase.paths.revision(formatRevision(n));
    await mkdir(dir, { recursive: true });
    for (const [file, text] of texts) {
      const copied =
        file === 'revision.json'
          ? `${JSON.stringify({ ...(JSON.parse(text) as object), number: n }, null, 2)}\n`
          : text.replace(`revision ${formatRevision(1)} of`, `revision ${formatRevision(n)} of`);
      await writeFile(path.join(dir, file), copied);
    }
    await mkdir(path.dirname(transcript(n)), { recursive: true });
    await copyFile(transcript(1), transcript(n));
  }
  await commitToWorkspace(
    paths,
    [codebase.paths.revisionsDir],
    `${name}: dev revisions ${formatRevision(from + 1)}–${formatRevision(to)} (bench)`,
  );
}
