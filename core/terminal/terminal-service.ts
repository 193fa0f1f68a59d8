// Terminals into a branch: a shell in its codebase's container (docker exec with a TTY), or on
// this machine (node-pty) in a working copy of the branch's files that is the terminal's own.
// Each session keeps its recent output, so a client that (re)attaches sees the screen it left,
// and writes everything to the branch's `ttyd` logs.
import { randomBytes } from 'node:crypto';
import { cp, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import pty from 'node-pty';
import { checkoutBranch } from '../build/index.ts';
import { BranchyardError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import { formatBranch, openCodebase } from '../git/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import type { Pm2Runtime, TtyStream } from '../runtime/index.ts';
import type { WorkspacePaths } from '../workspace/index.ts';

export type TerminalPlace = 'container' | 'host';

export interface TerminalInfo {
  id: string;
  codebase: string;
  branch: number;
  where: TerminalPlace;
  /** Where the shell started, as it sees it. */
  cwd: string;
  startedAt: string;
  exited: boolean;
}

export interface TerminalServiceOptions {
  paths: WorkspacePaths;
  runtime: () => Promise<Pm2Runtime>;
  /** The `ttyd` log of a branch; sessions are written there as they go. */
  log?: (codebase: string, branch: number) => { write(text: string): void };
  events?: EventBus;
}

/** Output a session keeps for a client that attaches later: enough for a screen and its scrollback. */
const SCROLLBACK = 256 * 1024;
const MAX_SESSIONS = 32;

interface Session {
  info: TerminalInfo;
  tty: TtyStream;
  buffer: string;
  listeners: Set<(data: string) => void>;
  exitListeners: Set<(code: number | null) => void>;
}

export class TerminalService implements Disposable {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly options: TerminalServiceOptions) {}

  list(): TerminalInfo[] {
    return [...this.sessions.values()].map((s) => s.info);
  }

  async open(request: {
    codebase: string;
    branch: number;
    where: TerminalPlace;
    cols: number;
    rows: number;
  }): Promise<TerminalInfo> {
    if (this.sessions.size >= MAX_SESSIONS)
      throw new BranchyardError('InvalidInputError', `${MAX_SESSIONS} terminals are open already; close one first`);
    const size = { cols: clamp(request.cols, 2, 500), rows: clamp(request.rows, 2, 300) };
    const codebase = await openCodebase(this.options.paths, request.codebase);
    const label = `branch ${formatBranch(request.branch)} of ${request.codebase}`;
    let tty: TtyStream;
    let cwd: string;
    if (request.where === 'container') {
      const runtime = await this.options.runtime();
      tty = await runtime.shell(request.codebase, request.branch, size);
      cwd = '/builds';
    } else {
      cwd = await this.workingCopy(request.codebase, request.branch, codebase);
      tty = hostShell(cwd, size, request.branch);
    }
    const info: TerminalInfo = {
      id: randomBytes(8).toString('hex'),
      codebase: request.codebase,
      branch: request.branch,
      where: request.where,
      cwd,
      startedAt: new Date().toISOString(),
      exited: false,
    };
    const session: Session = { info, tty, buffer: '', listeners: new Set(), exitListeners: new Set() };
    const log = this.options.log?.(request.codebase, request.branch);
    log?.write(`[terminal ${info.id} opened: ${request.where} shell in ${cwd}]\n`);
    tty.onData((data) => {
      session.buffer = (session.buffer + data).slice(-SCROLLBACK);
      log?.write(data);
      for (const listener of session.listeners) listener(data);
    });
    tty.onExit((code) => {
      info.exited = true;
      log?.write(`\n[terminal ${info.id} closed${code === null ? '' : `, exit code ${code}`}]\n`);
      for (const listener of session.exitListeners) listener(code);
      this.sessions.delete(info.id);
    });
    this.sessions.set(info.id, session);
    this.options.events?.emit('progress', {
      task: `terminal:${info.id}`,
      step: 'open',
      message: `terminal opened: ${request.where} shell for ${label}`,
      done: 1,
      total: 1,
    });
    return info;
  }

  write(id: string, data: string): void {
    this.session(id).tty.write(data);
  }

  async resize(id: string, cols: number, rows: number): Promise<void> {
    await this.session(id).tty.resize(clamp(cols, 2, 500), clamp(rows, 2, 300));
  }

  close(id: string): void {
    this.session(id).tty.kill();
  }

  /** What the session printed so far (its scrollback), then every new chunk; and its end. */
  attach(id: string, onData: (data: string) => void, onExit: (code: number | null) => void): Disposable {
    const session = this.session(id);
    if (session.buffer) onData(session.buffer);
    session.listeners.add(onData);
    session.exitListeners.add(onExit);
    return {
      dispose: async () => {
        session.listeners.delete(onData);
        session.exitListeners.delete(onExit);
      },
    };
  }

  async dispose(): Promise<void> {
    for (const session of this.sessions.values()) session.tty.kill();
    this.sessions.clear();
  }

  private session(id: string): Session {
    const session = this.sessions.get(id);
    if (!session)
      throw new BranchyardError('NotFoundError', `no open terminal ${id}; it may have exited (open a new one)`);
    return session;
  }

  /** The terminal's own copy of the branch's files (never the build's shared checkout), made once. */
  private async workingCopy(
    codebaseName: string,
    branch: number,
    codebase: Awaited<ReturnType<typeof openCodebase>>,
  ): Promise<string> {
    const dir = path.join(this.options.paths.engineDir, 'terminals', codebaseName, formatBranch(branch));
    if (
      await stat(dir).then(
        () => true,
        () => false,
      )
    )
      return dir;
    const checkout = await checkoutBranch(codebase, branch);
    await mkdir(path.dirname(dir), { recursive: true });
    await cp(checkout.dir, dir, { recursive: true, verbatimSymlinks: true });
    return dir;
  }
}

const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|DATABASE_URL)$/i;

function hostShell(cwd: string, size: { cols: number; rows: number }, branch: number): TtyStream {
  const shell = process.env.SHELL && process.env.SHELL.startsWith('/') ? process.env.SHELL : '/bin/bash';
  // The engine's secrets (the LLM key, database URLs) stay out of the shell and so out of its log.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SECRET_NAME.test(name)));
  const child = pty.spawn(shell, [], {
    name: 'xterm-256color',
    cwd,
    cols: size.cols,
    rows: size.rows,
    env: { ...env, BRANCHYARD_BRANCH: String(branch), TERM: 'xterm-256color' },
  });
  return {
    write: (data) => child.write(data),
    resize: async (cols, rows) => child.resize(cols, rows),
    onData: (listener) => void child.onData(listener),
    onExit: (listener) => void child.onExit(({ exitCode }) => listener(exitCode)),
    kill: () => child.kill(),
  };
}

function clamp(n: number, low: number, high: number): number {
  return Math.max(low, Math.min(high, Math.round(n)));
}
