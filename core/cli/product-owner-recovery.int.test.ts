// The product owner's stage outlives the engine (issue 22): `branchyard serve` (a real process)
// is killed with SIGKILL while the product owner waits for an answer, then while it works on the
// answer, then while the developer works from the refined request. Each time the next serve goes
// on from the right role: the answer is not lost and the question not asked again, the product
// owner resumes from its last completed turn, and the developer keeps the refined request without
// the product owner being run again. revision.json and `revision show` name both roles. One
// scripted model per role; everything else is real (Docker, git, PGlite).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScriptedCall, ScriptedLlm } from '../agent/fixtures/scripted-llm.ts';
import { lastToolResult, scriptedLlm } from '../agent/fixtures/scripted-llm.ts';
import type { CliWorkspace } from '../gateway/fixtures/cli-workspace.ts';
import { cliWorkspace } from '../gateway/fixtures/cli-workspace.ts';

const BIN = path.resolve('bin/branchyard.js');
const KEY = 'sk-test-scripted-0123456789';
const PO_MODEL = 'scripted/product-owner';
const DEV_MODEL = 'scripted/developer';
const QUESTION = 'Should the greeting name the caller?';
const ANSWER = 'No name: just hello.';
const REFINED = 'Add GET /greetings/get-greeting answering with a hello greeting.';

async function until(what: string, probe: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const told = (call: ScriptedCall) => JSON.stringify(call.body.messages);
const assistantTurns = (call: ScriptedCall) => call.body.messages.filter((m) => m.role === 'assistant').length;

describe("a revision whose engine was killed in the product owner's stage", () => {
  let fixture: CliWorkspace;
  let llm: ScriptedLlm;
  let serve: ChildProcess | undefined;
  const cli = (args: string[]) => fixture.cli(args, { env: { BRANCHYARD_AI_KEY: '' }, timeoutMs: 300_000 });
  const revisionDir = () => path.join(fixture.ws, 'codebases', 'users', 'metadata', 'dev-revisions', '0001');
  const status = async () =>
    (JSON.parse((await cli(['--json', 'revision', 'list', 'users'])).stdout) as { status: string }[])[0]!.status;

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
  async function kill(): Promise<void> {
    serve!.kill('SIGKILL');
    if (serve!.exitCode === null) await once(serve!, 'exit');
  }

  beforeAll(async () => {
    fixture = await cliWorkspace();
    llm = await scriptedLlm([
      // 0: the product owner reads; its turn completes.
      (call) => {
        expect(call.body.model).toBe(PO_MODEL);
        return { reply: { toolCalls: [{ name: 'list_files', arguments: {} }] } };
      },
      // 1: it asks; the revision waits for the answer (and the engine is killed meanwhile).
      { reply: { toolCalls: [{ name: 'ask_user', arguments: { questions: [QUESTION] } }] } },
      // 2: the answer, given to the next engine, reaches the product owner; it reads on.
      (call) => {
        expect(call.body.model).toBe(PO_MODEL);
        expect(lastToolResult(call)).toContain(ANSWER);
        return { reply: { toolCalls: [{ name: 'read_file', arguments: { path: 'src/app.ts' } }] } };
      },
      // 3: cut off by SIGKILL.
      { stall: { ms: 600_000 } },
      // 4: resumed as the product owner, from its last completed turn: the answer is there, the
      // question was asked once, and it is told the engine stopped.
      (call) => {
        expect(call.body.model).toBe(PO_MODEL);
        expect(told(call)).toContain(ANSWER);
        expect(told(call).split(QUESTION)).toHaveLength(2);
        expect(assistantTurns(call)).toBe(3);
        expect(call.body.messages.at(-1)!.content).toContain('The engine stopped in the middle of this work');
        return {
          reply: {
            toolCalls: [{ name: 'refine', arguments: { request: REFINED, acceptance: ['a test covers it'] } }],
          },
        };
      },
      // 5: the developer starts from the refined request; cut off by SIGKILL.
      (call) => {
        expect(call.body.model).toBe(DEV_MODEL);
        expect(told(call)).toContain(REFINED);
        return { stall: { ms: 600_000 } };
      },
      // 6: resumed as the developer (the product owner is not run again), the refined request kept.
      (call) => {
        expect(call.body.model).toBe(DEV_MODEL);
        expect(told(call)).toContain(REFINED);
        expect(call.body.messages.at(-1)!.content).toContain('The engine stopped in the middle of this work');
        return { reply: { toolCalls: [{ name: 'ask_user', arguments: { questions: ['Which route prefix?'] } }] } };
      },
    ]);
    const file = path.join(fixture.ws, 'ai', 'config.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(
      file,
      JSON.stringify(
        {
          ...config,
          provider: 'test',
          baseUrl: llm.baseUrl,
          model: DEV_MODEL,
          roles: { productOwner: { model: PO_MODEL } },
        },
        null,
        2,
      ),
    );
  }, 300_000);
  afterAll(async () => {
    if (serve && serve.exitCode === null) {
      serve.kill('SIGTERM');
      await once(serve, 'exit');
    }
    await llm?.close();
    await fixture?.dispose();
  }, 300_000);

  it('goes on from the right role each time, never asks again and never loses the refined request', async () => {
    serve = await startServe();
    const asked = await cli(['prompt', 'users', 'Add a route that greets']);
    expect(asked.stdout, asked.stderr).toContain('needs-answer');
    // Killed while the product owner waits: the next engine leaves the revision waiting.
    await kill();
    serve = await startServe();
    expect(await status()).toBe('needs-answer');

    const answering = cli(['answer', 'users', '1', ANSWER]);
    await until('the product owner to work on the answer', () => llm.calls.length === 4);
    await kill();
    expect((await answering).code).toBe(1);
    serve = await startServe();
    expect(await status()).toBe('interrupted');

    const resuming = cli(['revision', 'resume', 'users', '1']);
    await until('the developer to start', () => llm.calls.length === 6);
    await kill();
    expect((await resuming).code).toBe(1);
    serve = await startServe();
    expect(await status()).toBe('interrupted');

    const resumed = await cli(['revision', 'resume', 'users', '1']);
    expect(resumed.stdout, resumed.stderr).toContain('needs-answer');
    expect(llm.failures).toEqual([]);
    expect(llm.remaining()).toBe(0);

    const info = JSON.parse(await readFile(path.join(revisionDir(), 'revision.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(info.roles).toEqual([
      { role: 'product-owner', model: PO_MODEL },
      { role: 'developer', model: DEV_MODEL },
    ]);
    expect(info.refined).toBe('refined.md');
    expect(await readFile(path.join(revisionDir(), 'refined.md'), 'utf8')).toContain(REFINED);
    // The product owner's question is on record once.
    expect((await readFile(path.join(revisionDir(), 'response.md'), 'utf8')).split(QUESTION)).toHaveLength(2);

    const shown = (await cli(['revision', 'show', 'users', '1'])).stdout;
    expect(shown).toContain(`Roles: product owner (${PO_MODEL}), developer (${DEV_MODEL})`);
    expect(shown).toContain('refined.md');
    expect(shown).toMatch(/product owner \(questions, [^)]+\):\nThe product owner asks:/);
    expect(shown).toMatch(/Steps:\n {2}product owner {2}list_files\n {2}product owner {2}ask_user\n/);
    expect(shown).toMatch(/ {2}product owner {2}refine\n {2}developer {6}ask_user/);
  }, 900_000);
});
