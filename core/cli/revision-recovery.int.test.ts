// A dev revision outlives the engine it ran in: `branchyard serve` (a real process) is killed
// with SIGKILL while the model is answering; the `prompt` commands following it say so within
// seconds; the next serve marks the revisions interrupted with what they spent; one is resumed
// from its last completed turn and makes its branch, the other is discarded. The model is the
// scripted OpenAI-compatible server; everything else is real (Docker, git, PGlite).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScriptedLlm } from '../agent/fixtures/scripted-llm.ts';
import { lastToolResult, scriptedLlm } from '../agent/fixtures/scripted-llm.ts';
import type { CliWorkspace } from '../gateway/fixtures/cli-workspace.ts';
import { cliWorkspace } from '../gateway/fixtures/cli-workspace.ts';

const BIN = path.resolve('bin/branchyard.js');
const KEY = 'sk-test-scripted-0123456789';
/** How soon a `prompt` following a revision must notice its engine is gone. */
const NOTICE_MS = 10_000;
const greeting = "export function getGreeting(): { greeting: string } {\n  return { greeting: 'hello' };\n}\n";
const greetingTest =
  "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { getGreeting } from './greetings.ts';\n\ntest('greets', () => {\n  assert.deepEqual(getGreeting(), { greeting: 'hello' });\n});\n";

async function until(what: string, probe: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a revision whose engine was killed', () => {
  let fixture: CliWorkspace;
  let llm: ScriptedLlm;
  let serve: ChildProcess | undefined;
  // The CLI never has the key: the engine does.
  const cli = (args: string[]) => fixture.cli(args, { env: { BRANCHYARD_AI_KEY: '' }, timeoutMs: 300_000 });

  async function startServe(): Promise<ChildProcess> {
    const child = spawn(process.execPath, [BIN, '--workspace', fixture.ws, 'serve', '--port', '0'], {
      env: { ...process.env, BRANCHYARD_AI_KEY: KEY, BRANCHYARD_RUNTIME: 'docker', BRANCHYARD_DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until('serve to listen', () => output.includes('Open http') || child.exitCode !== null, 120_000);
    if (child.exitCode !== null) throw new Error(`branchyard serve exited ${child.exitCode}: ${output}`);
    return child;
  }

  beforeAll(async () => {
    fixture = await cliWorkspace();
    llm = await scriptedLlm([
      // Revision 0001: one turn completes (and is paid for), the next never comes back.
      {
        reply: {
          content: 'Looking first.',
          toolCalls: [{ name: 'list_files', arguments: {} }],
          usage: { prompt: 1000, completion: 100 },
        },
      },
      { stall: { ms: 600_000 } },
      // Revision 0002: stalls on its first turn.
      { stall: { ms: 600_000 } },
      // 0001 resumed: the conversation so far, the working copy, and word of what happened.
      (call) => {
        const told = JSON.stringify(call.body.messages);
        expect(told).toContain('Add a route that greets');
        // The turn that completed is there (its list of files), the cut-off one is not.
        expect(lastToolResult(call)).toContain('src/app.ts');
        expect(call.body.messages.filter((m) => m.role === 'assistant')).toHaveLength(1);
        expect(call.body.messages.at(-1)!.content).toContain('The engine stopped in the middle of this work');
        return {
          reply: {
            toolCalls: [
              {
                name: 'write_file',
                arguments: { path: 'src/features/greetings/controllers/greetings.ts', content: greeting },
              },
              {
                name: 'write_file',
                arguments: { path: 'src/features/greetings/controllers/greetings.test.ts', content: greetingTest },
              },
            ],
          },
        };
      },
      { reply: { toolCalls: [{ name: 'finish', arguments: { summary: 'Added GET /greetings/get-greeting.' } }] } },
    ]);
    const file = path.join(fixture.ws, 'ai', 'config.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(
      file,
      JSON.stringify({ ...config, provider: 'test', baseUrl: llm.baseUrl, model: 'scripted/model' }, null, 2),
    );
    // A workspace made by the CLI's processes, on a machine shared with other test runs.
  }, 300_000);
  afterAll(async () => {
    if (serve && serve.exitCode === null) {
      serve.kill('SIGTERM');
      await once(serve, 'exit');
    }
    await llm?.close();
    await fixture?.dispose();
  }, 300_000);

  it('tells the prompt it stopped, marks the revision interrupted with its spend, and resumes or discards it', async () => {
    serve = await startServe();
    const first = cli(['prompt', 'users', 'Add a route that greets']);
    await until('revision 0001 to reach its second model call', () => llm.calls.length === 2);
    const second = cli(['prompt', 'users', 'Add a route that says goodbye']);
    await until('revision 0002 to reach its model call', () => llm.calls.length === 3);

    serve.kill('SIGKILL');
    const killedAt = Date.now();
    const [one, two] = await Promise.all([first, second]);
    expect(Date.now() - killedAt).toBeLessThan(NOTICE_MS);
    expect(one.code, one.stderr).toBe(1);
    expect(one.stderr).toContain(
      'the engine stopped while dev revision 0001 of users was running; start it again (`branchyard serve`) and `branchyard revision resume users 1`',
    );
    expect(two.code, two.stderr).toBe(1);
    expect(two.stderr).toContain('`branchyard revision resume users 2`');

    serve = await startServe();
    const listed = JSON.parse((await cli(['--json', 'revision', 'list', 'users'])).stdout) as Array<{
      number: number;
      status: string;
      costMicroUsd: number;
      promptTokens: number;
      completionTokens: number;
    }>;
    // What the completed turn cost, at $3 / $15 per million tokens; the cut-off call none.
    expect(listed.map((r) => [r.number, r.status, r.promptTokens, r.completionTokens, r.costMicroUsd])).toEqual([
      [1, 'interrupted', 1000, 100, 1000 * 3 + 100 * 15],
      [2, 'interrupted', 0, 0, 0],
    ]);
    expect((await cli(['revision', 'list', 'users'])).stdout).toMatch(/0001\s+interrupted\s+-\s+1100\s+\$0\.0045/);
    const revisionJson = JSON.parse(
      await readFile(
        path.join(fixture.ws, 'codebases', 'users', 'metadata', 'dev-revisions', '0001', 'revision.json'),
        'utf8',
      ),
    ) as { status: string };
    expect(revisionJson.status).toBe('interrupted');
    expect(
      await readFile(
        path.join(fixture.ws, 'codebases', 'users', 'metadata', 'dev-revisions', '0001', 'response.md'),
        'utf8',
      ),
    ).toContain('The engine stopped while this revision was running (after 1 turn, 1000 + 100 tokens, $0.0045 spent)');

    const resumed = await cli(['revision', 'resume', 'users', '1']);
    // On failure, what the engine last told the model (why it did not make the branch).
    expect(resumed.code, `${resumed.stderr}\n${lastToolResult(llm.calls.at(-1)!)}`).toBe(0);
    expect(resumed.stdout).toContain('Dev revision 0001 of users: done');
    expect(resumed.stdout).toContain('Branch: 00002');
    expect(llm.remaining()).toBe(0);
    expect(llm.failures).toEqual([]);

    const discarded = await cli(['revision', 'discard', 'users', '2']);
    expect(discarded.code, discarded.stderr).toBe(0);
    expect(discarded.stdout).toContain('Dev revision 0002 of users is discarded');
    const after = JSON.parse((await cli(['--json', 'revision', 'list', 'users'])).stdout) as Array<{
      number: number;
      status: string;
      branchNumber: number | null;
    }>;
    expect(after.map((r) => [r.number, r.status, r.branchNumber])).toEqual([
      [1, 'done', 2],
      [2, 'discarded', null],
    ]);
    // Neither can be resumed now.
    const again = await cli(['revision', 'resume', 'users', '2']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      'dev revision 0002 of users is discarded; only a revision the engine was stopped in (interrupted) can be resumed',
    );
  }, 600_000);
});
