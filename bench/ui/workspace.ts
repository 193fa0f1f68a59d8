// The workspaces bench/ui measures in: a loaded one (a 2,000-line file in branch 00002, hundreds
// of revisions that each asked a question, a 12k-token log) and an empty one of the same shape,
// each served by a real `branchyard serve` with the scripted LLM standing in for the model.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { scriptedLlm } from '../../core/agent/fixtures/scripted-llm.ts';
import { useFreePorts } from '../../core/gateway/fixtures/gateway-fixture.ts';
import { workspacePaths } from '../../core/workspace/index.ts';
import { callApi } from '../../e2e/support/api.ts';
import type { ServeProcess } from '../../e2e/support/engine.ts';
import { runCli, startServeProcess } from '../../e2e/support/engine.ts';

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
  const serve = await startServeProcess(workspace, { BRANCHYARD_RUNTIME: 'host', BRANCHYARD_AI_KEY: 'sk-bench' });
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
  for (let i = 0; i < shape.revisions; i += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, shape.revisions - i) }, () =>
        callApi(serve, 'agent.prompt', { codebase: 'users', text: 'Add a route that lists users with pagination' }),
      ),
    );
  }
  // Every revision has asked its question.
  for (let waited = 0; waited < 600_000; waited += 1000) {
    const list = await callApi<{ status: string }[]>(serve, 'revision.list', { codebase: 'users' }, 'query');
    if (list.filter((r) => r.status !== 'open' && r.status !== 'running').length >= shape.revisions) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return {
    serve,
    close: async () => {
      await serve.stop();
      await llm.close();
    },
  };
}
