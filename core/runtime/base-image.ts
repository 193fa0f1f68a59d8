// The base image every codebase container runs, built locally with no registry: the host's
// Node.js binary and the libraries it links against, imported as a root filesystem. PM2 and the
// stack are not in the image: the engine's node_modules is mounted read-only instead.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import type { EventBus } from '../events/index.ts';

export const NODE_IN_IMAGE = '/usr/local/bin/node';
/**
 * A few of this machine's tools, so a terminal in a branch's container has a shell (dash as
 * /bin/sh) and can look around; each is taken with the libraries it links against. Tools the
 * machine lacks are left out.
 */
const SHELL_TOOLS = [
  '/bin/sh',
  '/bin/ls',
  '/bin/cat',
  '/bin/echo',
  '/bin/grep',
  '/usr/bin/env',
  '/usr/bin/head',
  '/usr/bin/tail',
  '/usr/bin/wc',
];
/** Part of the image's name: bumped when what goes into the image changes. */
const LAYOUT = 'node+shell-1';

export async function ensureBaseImage(docker: Docker, events?: EventBus): Promise<string> {
  const nodePath = await realpath(process.execPath);
  // Named after the binary's identity (path, size, time), not a hash of its ~100 MB, which
  // every engine start would otherwise read: a different Node.js gives a different image.
  const { size, mtimeMs } = await stat(nodePath);
  const tag = `${process.version.slice(1)}-${createHash('sha256').update(`${LAYOUT}:${nodePath}:${size}:${mtimeMs}`).digest('hex').slice(0, 12)}`;
  const image = `branchyard/node:${tag}`;
  const existing = await docker
    .getImage(image)
    .inspect()
    .catch(() => undefined);
  if (existing) return image;
  const binary = await readFile(nodePath);

  events?.emit('progress', {
    task: 'runtime:image',
    step: 'image',
    message: `building the base image ${image} from this machine's Node.js`,
    done: 0,
    total: 1,
  });
  const pack = tar.pack();
  const add = (name: string, content: Buffer | string, mode = 0o644) =>
    pack.entry({ name, mode, mtime: new Date(0) }, content);
  pack.entry({ name: 'tmp', type: 'directory', mode: 0o1777 });
  add('etc/passwd', 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n');
  add('etc/group', 'root:x:0:\nnogroup:x:65534:\n');
  add(NODE_IN_IMAGE.slice(1), binary, 0o755);
  const files = new Set(await sharedLibraries(nodePath));
  for (const tool of SHELL_TOOLS) {
    const real = await realpath(tool).catch(() => undefined);
    if (!real) continue;
    add(tool.slice(1), await readFile(real), 0o755);
    for (const lib of await sharedLibraries(real)) files.add(lib);
  }
  for (const lib of files) add(lib.slice(1), await readFile(lib), 0o755);
  pack.finalize();
  const stream = await docker.importImage(pack as unknown as NodeJS.ReadableStream, { repo: 'branchyard/node', tag });
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve())),
  );
  events?.emit('progress', {
    task: 'runtime:image',
    step: 'image',
    message: `base image ${image} is ready`,
    done: 1,
    total: 1,
  });
  return image;
}

/** The libraries the dynamic linker loads for Node.js, as `ldd` lists them. */
function sharedLibraries(binary: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    execFile('ldd', [binary], (error, stdout) => {
      if (error) return reject(new Error(`cannot list the libraries of ${binary}: ${error.message}`));
      resolve([...stdout.matchAll(/(\/[^\s)]+)/g)].map((m) => m[1]!).filter((p, i, all) => all.indexOf(p) === i));
    }),
  );
}
