// `github connect|show` and `revision audit` as a user runs them: the real CLI on a real
// workspace, the audit trail read from its engine state (human table and JSONL).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRevision } from '../revisions/index.ts';
import { openStore, recordAction, revisionId } from '../store/index.ts';
import { openCodebase } from '../git/index.ts';
import { workspacePaths } from '../workspace/index.ts';
import { expectOk, runBranchyard, tempDir } from '../testing/index.ts';

describe('issue and audit commands', () => {
  let tmp: { path: string; dispose: () => Promise<void> };
  let ws: string;
  const cli = (args: string[]) => runBranchyard(['--workspace', ws, ...args], { timeoutMs: 120_000 });

  beforeAll(async () => {
    tmp = await tempDir();
    ws = path.join(tmp.path, 'ws');
    expectOk(await runBranchyard(['init', ws], { timeoutMs: 120_000 }));
    expectOk(await cli(['codebase', 'add', 'users']));
  }, 300_000);
  afterAll(() => tmp?.dispose());

  it(
    'connects a codebase to a repository (GitHub Enterprise URL, polling) and refuses a bad repository name',
    { timeout: 240_000 },
    async () => {
      const connected = expectOk(
        await cli([
          'github',
          'connect',
          'users',
          'acme/users-api',
          '--api-url',
          'https://ghe.example.com/api/v3',
          '--poll',
          '60',
        ]),
      );
      expect(connected.stdout).toContain('users is connected to acme/users-api (https://ghe.example.com/api/v3)');
      expect(connected.stdout).toContain('/hooks/github/users');
      const shown = JSON.parse(expectOk(await cli(['--json', 'github', 'show', 'users'])).stdout) as Record<
        string,
        unknown
      >;
      expect(shown).toMatchObject({
        repository: 'acme/users-api',
        tokenEnv: 'GITHUB_TOKEN',
        triggerLabel: 'branchyard',
        pollSeconds: 60,
      });
      const bad = await cli(['github', 'connect', 'users', 'not a repo']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/repository: expected owner\/name/);
    },
  );

  it("lists a revision's audit trail by role, and exports it as JSONL", { timeout: 240_000 }, async () => {
    const paths = workspacePaths(ws);
    const store = await openStore({ stateDir: paths.stateDir });
    try {
      const codebase = await openCodebase(paths, 'users');
      await openRevision({ codebase, state: store.db, prompt: 'Add a greeting', parentBranch: 1 });
      const id = await revisionId(store.db, 'users', 1);
      await recordAction(store.db, {
        devRevisionId: id,
        actor: 'agent',
        action: 'model',
        role: 'product-owner',
        outcome: 'tool_calls',
        promptTokens: 2000,
        completionTokens: 50,
        costMicroUsd: 220,
        durationMs: 900,
      });
      await recordAction(store.db, {
        devRevisionId: id,
        actor: 'agent',
        action: 'tool:refine',
        role: 'product-owner',
        tool: 'refine',
        argsDigest: 'sha256:00112233aabbccdd',
        outcome: 'ok',
        durationMs: 2,
      });
      await recordAction(store.db, {
        devRevisionId: id,
        actor: 'agent',
        action: 'tool:write_file',
        role: 'developer',
        tool: 'write_file',
        argsDigest: 'sha256:ffeeddccbbaa9988',
        outcome: 'ok',
        durationMs: 4,
      });
    } finally {
      await store.close();
    }
    const table = expectOk(await cli(['revision', 'audit', 'users', '1'])).stdout;
    expect(table).toMatch(/product owner\s+model\s+tool_calls\s+2000\+50\s+\$0\.0002/);
    expect(table).toMatch(/developer\s+write_file\s+ok/);
    expect(table).toContain('3 actions, $0.0002');
    const lines = expectOk(await cli(['--json', 'revision', 'audit', 'users', '0001']))
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.role, l.tool ?? l.action, l.argsDigest])).toEqual([
      ['product-owner', 'model', null],
      ['product-owner', 'refine', 'sha256:00112233aabbccdd'],
      ['developer', 'write_file', 'sha256:ffeeddccbbaa9988'],
    ]);
    const missing = await cli(['revision', 'audit', 'users', '9']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/dev revision 0009 of users/);
  });
});
