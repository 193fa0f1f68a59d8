// Helpers for tests only: throw-away folders and databases on the real components. A test that
// needs a component this machine lacks fails with a message naming it; it never passes silently.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export async function tempDir(prefix = 'branchyard-test-'): Promise<{ path: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { path: dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** The PostgreSQL server the tests use; scripts/test.sh installs, starts and prepares it. */
/** Every file under a folder, relative and with forward slashes, node_modules left out: a branch tree's file list. */
export async function treeFiles(dir: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = path.posix.join(prefix, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') found.push(...(await treeFiles(dir, relative)));
    else if (entry.isFile()) found.push(relative);
  }
  return found;
}

export const TEST_PG_URL =
  process.env.BRANCHYARD_TEST_PG_URL ?? 'postgres://branchyard:branchyard@127.0.0.1:5432/postgres';

/** A fresh database on the test server, dropped on dispose. */
export async function tempPostgresDatabase(): Promise<{ url: string; dispose: () => Promise<void> }> {
  const name = `branchyard_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `these tests need a PostgreSQL server at ${TEST_PG_URL.replace(/:[^:@/]+@/, ':***@')} (${(error as Error).message}); run ./scripts/test.sh as root to install and start it, or set BRANCHYARD_TEST_PG_URL`,
    );
  }
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dispose: async () => {
      const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

const BIN = new URL('../../bin/branchyard.js', import.meta.url).pathname;

export interface CliRun {
  /** The command line, for messages. */
  command: string;
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The real `branchyard` binary as its own process, the way a user starts it. `input`: what the
 * command reads on stdin (closed at once otherwise).
 */
export function runBranchyard(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<CliRun> {
  const timeoutMs = options.timeoutMs ?? 90_000;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: timeoutMs },
      (error, stdout, stderr) => {
        // A run cut short by the timeout has no exit code of its own: say so, or it reads as exit 1.
        const killed = error?.killed
          ? `\n(branchyard ${args.join(' ')} was killed by ${error.signal ?? 'a signal'} after ${timeoutMs} ms)`
          : '';
        resolve({
          command: `branchyard ${args.join(' ')}`,
          code: error ? Number(error.code ?? 1) : 0,
          stdout,
          stderr: stderr + killed,
        });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** The run when it exited 0; otherwise an error naming the command, its exit code and its stderr. */
export function expectOk(run: CliRun): CliRun {
  if (run.code !== 0)
    throw new Error(`${run.command} exited ${run.code}:\n${run.stderr || '(nothing on stderr)'}\n${run.stdout}`);
  return run;
}

/** The git CLI, to check what the engine wrote; fails naming git when it is missing or fails. */
export function gitCli(args: string[], options: { cwd?: string; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      { cwd: options.cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`git ${args.join(' ')} failed (these tests need the git CLI): ${stderr || error.message}`));
        else resolve(stdout);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** One HTTP request to a server listening on a unix socket (a branch), bounded in time. */
export function requestOverSocket(
  socketPath: string,
  options: { method?: string; path: string; body?: unknown },
): Promise<{ status: number; body: string }> {
  const method = options.method ?? 'GET';
  return new Promise((resolve, reject) => {
    const request = http.request(
      { socketPath, method, path: options.path, headers: { 'content-type': 'application/json' }, timeout: 10_000 },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${method} ${options.path} timed out`)));
    request.on('error', reject);
    request.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

// Ports handed out below Linux's ephemeral range (32768 and up), so an outgoing connection's
// local port cannot take one between the test choosing it and a server binding it.
const LOW = 20_000;
const HIGH = 32_000;

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return (await freePorts(1, host))[0]!;
}

/** `count` distinct free ports: each is held until all are found, so none is handed out twice. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const held: net.Server[] = [];
  try {
    for (let tries = 0; held.length < count; tries++) {
      if (tries > 1000) throw new Error(`no ${count} free ports on ${host} between ${LOW} and ${HIGH}`);
      const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
      const server = net.createServer();
      const bound = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen({ port, host, exclusive: true }, () => resolve(true));
      });
      if (bound) held.push(server);
    }
    return held.map((server) => (server.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}
