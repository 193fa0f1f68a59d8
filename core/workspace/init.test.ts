import { execFileSync } from 'node:child_process';
import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';
import { createEventBus } from '../events/index.ts';
import type { ProgressEvent } from '../events/index.ts';
import { initWorkspace, loadWorkspace } from './index.ts';

/** DESIGN.md §3, folder for folder, as a fresh workspace has it. */
const SEED_LAYOUT = [
  '.gitignore',
  'README.md',
  'ai/',
  'ai/config.json',
  'branchyard.json',
  'codebases/',
  'databases/',
  'databases/db-001/',
  'databases/db-001/config.json',
  'databases/db-001/migrations/',
  'databases/db-001/schema/',
  'databases/db-001/seeds/',
  'gateways/',
  'gateways/development.json',
  'gateways/production.json',
  'gateways/staging.json',
  'servers/',
  'servers/config.json',
  'shared-context/',
  'shared-context/constants/',
  'shared-context/helpers/',
  'shared-context/libraries/',
  'shared-context/types/',
];

async function layout(root: string, dir = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(root, dir), { withFileTypes: true })) {
    if (entry.name === '.git' || entry.name === '.gitkeep') continue;
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(`${rel}/`, ...(await layout(root, rel)));
    else out.push(rel);
  }
  return out.sort();
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });

describe('initWorkspace', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => void (tmp = await tempDir()));
  afterEach(() => tmp.dispose());

  it('lays out DESIGN.md §3 folder for folder and loads cleanly', async () => {
    const result = await initWorkspace({ dir: path.join(tmp.path, 'acme') });
    expect(result.name).toBe('acme');
    expect(await layout(result.root)).toEqual(SEED_LAYOUT);
    const ws = await loadWorkspace(result.root);
    expect(ws.gateways.map((g) => g.name)).toEqual(['development', 'production', 'staging']);
    expect(ws.gateways.find((g) => g.name === 'production')?.config.protected).toBe(true);
    expect(ws.databases).toEqual([
      { name: 'db-001', file: 'databases/db-001/config.json', config: { engine: 'embedded' } },
    ]);
    expect(ws.manifest.logsRepository).toBe('../acme-logs');
  });

  it('makes a git repository whose first commit the git CLI sees, with a clean tree', async () => {
    const result = await initWorkspace({ dir: path.join(tmp.path, 'acme') });
    expect(git(result.root, 'log', '--format=%H %s').trim()).toBe(`${result.commit} Create workspace acme`);
    expect(git(result.root, 'status', '--porcelain')).toBe('');
    git(result.root, 'fsck', '--strict');
    const tracked = git(result.root, 'ls-files').trim().split('\n');
    expect(tracked).toContain('gateways/staging.json');
    expect(tracked).toContain('shared-context/types/.gitkeep');
    expect(await readFile(path.join(result.root, '.gitignore'), 'utf8')).toContain('.branchyard/');
  });

  it('reports progress steps as it goes', async () => {
    const events = createEventBus();
    const steps: ProgressEvent[] = [];
    events.on('progress', (p) => steps.push(p));
    await initWorkspace({ dir: path.join(tmp.path, 'acme'), events });
    expect(steps.map((s) => s.step)).toEqual(['copy', 'ports', 'manifest', 'git', 'place', 'done']);
    expect(steps.at(-1)).toMatchObject({ done: 5, total: 5 });
  });

  it("gives its gateways ports that no other workspace of the user has and no program holds, keeping the files' layout", async () => {
    const first = await initWorkspace({ dir: path.join(tmp.path, 'first') });
    const taken = (ports: typeof first.ports) => Object.values(ports.gateways).flatMap((g) => [g.port, g.httpPort]);
    const second = await initWorkspace({ dir: path.join(tmp.path, 'second'), otherWorkspaces: [first.root] });
    expect(taken(second.ports).filter((port) => taken(first.ports).includes(port))).toEqual([]);
    // The whole set moves together, in steps of ten, so the template's layout stays readable.
    expect((second.ports.gateways.staging!.port - first.ports.gateways.staging!.port) % 10).toBe(0);
    expect(second.ports.gateways.production!.port - second.ports.gateways.development!.port).toBe(2);

    // A program listening on one of them pushes the next workspace further up.
    const holder = net.createServer();
    await new Promise<void>((resolve) =>
      holder.listen({ host: '127.0.0.1', port: second.ports.gateways.development!.port }, resolve),
    );
    try {
      const third = await initWorkspace({ dir: path.join(tmp.path, 'third'), otherWorkspaces: [first.root] });
      expect(taken(third.ports)).not.toContain(second.ports.gateways.development!.port);
      expect(taken(third.ports).filter((port) => taken(first.ports).includes(port))).toEqual([]);
      const ws = await loadWorkspace(third.root);
      expect(ws.gateways.map((g) => [g.name, g.config.port, g.config.httpPort])).toEqual(
        Object.entries(third.ports.gateways).map(([name, g]) => [name, g.port, g.httpPort]),
      );
      const text = await readFile(path.join(third.root, 'gateways', 'staging.json'), 'utf8');
      expect(text).toContain('"access": { "allow": [], "deny": [] }');
      expect(git(third.root, 'status', '--porcelain')).toBe('');
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('accepts an existing empty folder and derives a valid name from an odd folder name', async () => {
    const dir = path.join(tmp.path, '2025 My_Project!');
    await mkdir(dir);
    const result = await initWorkspace({ dir });
    expect(result.name).toBe('my-project');
    expect((await stat(path.join(dir, 'branchyard.json'))).isFile()).toBe(true);
  });

  it('refuses a folder that is not empty and leaves it untouched', async () => {
    const dir = path.join(tmp.path, 'busy');
    await mkdir(dir);
    await writeFile(path.join(dir, 'notes.txt'), 'mine');
    await expect(initWorkspace({ dir })).rejects.toThrow(
      `${dir} is not empty (it holds notes.txt); init needs a new or empty folder`,
    );
    expect(await readdir(dir)).toEqual(['notes.txt']);
  });

  it('refuses a path that is a file', async () => {
    const file = path.join(tmp.path, 'a-file');
    await writeFile(file, 'x');
    await expect(initWorkspace({ dir: file })).rejects.toMatchObject({
      kind: 'WorkspaceInitError',
      message: `${file} is a file, not a folder; init needs a new or empty folder`,
    });
  });

  it('refuses an invalid name and leaves nothing behind', async () => {
    await expect(initWorkspace({ dir: path.join(tmp.path, 'x'), name: 'Bad Name' })).rejects.toThrow(
      /workspace name "Bad Name" is not valid: use lowercase letters/,
    );
    expect(await readdir(tmp.path)).toEqual([]);
  });
});
