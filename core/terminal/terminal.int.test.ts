// Terminals into a branch, for real: a pty on this machine in the terminal's own copy of the
// branch's files, and a TTY in the codebase's Docker container; keys in, output out, resize,
// scrollback for a late attach, the session written to the branch's log, and clear errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace } from '../git/fixtures/test-workspace.ts';
import { Pm2Runtime } from '../runtime/index.ts';
import { TerminalService } from './index.ts';

const LIMITS = { memoryMb: 256, cpus: 1, pids: 128 };

describe('terminals into a branch', () => {
  let ws: TestWorkspace;
  let runtime: Pm2Runtime;
  let terminals: TerminalService;
  const logged: string[] = [];

  beforeAll(async () => {
    ws = await testWorkspace();
    runtime = await Pm2Runtime.open({ workspace: ws.paths, limits: LIMITS, backend: 'docker' }).catch(
      (error: Error) => {
        throw new Error(
          `these tests need a running Docker engine (./scripts/test.sh starts one as root): ${error.message}`,
        );
      },
    );
    terminals = new TerminalService({
      paths: ws.paths,
      runtime: async () => runtime,
      log: (codebase, branch) => ({ write: (text) => logged.push(`${codebase}/${branch}: ${text}`) }),
    });
  });
  afterAll(async () => {
    await terminals?.dispose();
    await runtime?.remove('users');
    await ws?.dispose();
  });

  /** Everything the terminal prints, and a way to wait for some of it. */
  function watch(id: string) {
    let output = '';
    let exit: number | null | undefined;
    const waiters: Array<() => void> = [];
    terminals.attach(
      id,
      (data) => {
        output += data;
        waiters.splice(0).forEach((w) => w());
      },
      (code) => {
        exit = code;
        waiters.splice(0).forEach((w) => w());
      },
    );
    const until = async (done: () => boolean, what: string) => {
      const deadline = Date.now() + 20_000;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`no ${what} within 20 s; the terminal printed:\n${output}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 500);
        });
      }
    };
    return { text: () => output, exit: () => exit, until };
  }

  it('runs a host shell in its own copy of the branch, keeps its scrollback, resizes, and logs the session', async () => {
    process.env.BRANCHYARD_TEST_SECRET_KEY = 'sk-never-in-a-terminal';
    const opened = await terminals.open({ codebase: 'users', branch: 1, where: 'host', cols: 80, rows: 24 });
    delete process.env.BRANCHYARD_TEST_SECRET_KEY;
    expect(opened.cwd).toBe(`${ws.paths.engineDir}/terminals/users/00001`);
    const term = watch(opened.id);
    terminals.write(
      opened.id,
      'echo "branch-$BRANCHYARD_BRANCH"; ls src; echo "secret=${BRANCHYARD_TEST_SECRET_KEY:-none}"\r',
    );
    await term.until(() => term.text().includes('secret=none'), 'output');
    expect(term.text()).toContain('branch-1');
    expect(term.text()).toMatch(/app\.ts/);
    await terminals.resize(opened.id, 100, 30);
    terminals.write(opened.id, 'stty size\r');
    await term.until(() => term.text().includes('30 100'), 'new size');

    // A client attaching later is shown what was printed before.
    const late = watch(opened.id);
    expect(late.text()).toContain('branch-1');

    terminals.write(opened.id, 'exit 3\r');
    await term.until(() => term.exit() !== undefined, 'exit');
    expect(term.exit()).toBe(3);
    expect(terminals.list().map((t) => t.id)).not.toContain(opened.id);
    const log = logged.join('');
    expect(log).toContain(`users/1: [terminal ${opened.id} opened: host shell in`);
    expect(log).toContain('branch-1');
    expect(log).toContain(`[terminal ${opened.id} closed, exit code 3]`);
  }, 60_000);

  it('runs a shell inside the codebase’s container', async () => {
    const opened = await terminals.open({ codebase: 'users', branch: 1, where: 'container', cols: 80, rows: 24 });
    expect(opened.cwd).toBe('/builds');
    const term = watch(opened.id);
    terminals.write(
      opened.id,
      `echo "inside-$BRANCHYARD_BRANCH as $(/usr/local/bin/node -p 'process.getuid()')"; cat /etc/passwd | head -1\r`,
    );
    await term.until(() => /inside-1 as \d+/.test(term.text()) && term.text().includes('root:x:0:0'), 'output');
    expect(term.text()).not.toMatch(/inside-1 as 0\b/); // never root, even when the engine is
    await terminals.resize(opened.id, 120, 40);
    terminals.close(opened.id);
    await term.until(() => term.exit() !== undefined, 'exit');
  }, 120_000);

  it('names what is wrong: an unknown codebase, a terminal that is gone', async () => {
    await expect(terminals.open({ codebase: 'nobody', branch: 1, where: 'host', cols: 80, rows: 24 })).rejects.toThrow(
      /codebase "nobody" does not exist/,
    );
    expect(() => terminals.write('0123456789abcdef', 'ls\r')).toThrow(
      /no open terminal 0123456789abcdef; it may have exited/,
    );
  });
});
