// The entry of the server runtime bundle: the branch server runtime and the packages it carries
// (tRPC, trpc-to-openapi, zod, the HTTP layer), bundled once per engine as CommonJS so that a
// branch compiles them from a V8 code cache (see runtime-bundle.ts). A branch's own bundle
// imports these from it; `zod` is the one instance the runtime and the branch's validators share.
import http from 'node:http';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBranchServer, exposed, t, z } from './server-runtime.ts';

export * as server from './server-runtime.ts';
export * as zod from 'zod';

/**
 * Runs what a branch runs at its start and on its first requests (a router, the server, a REST
 * query and mutation, a tRPC call) so that the code cache made after it holds them compiled.
 */
export async function warmUp(): Promise<void> {
  const router = t.router({
    notes: t.router({
      list: exposed
        .meta({ openapi: { method: 'GET', path: '/notes/list' } })
        .input(z.object({ limit: z.coerce.number().optional() }))
        .output(z.array(z.object({ id: z.number(), text: z.string() })))
        .query(() => [{ id: 1, text: 'one' }]),
      add: exposed
        .meta({ openapi: { method: 'POST', path: '/notes/add' } })
        .input(z.object({ text: z.string().min(1) }))
        .output(z.object({ id: z.number() }))
        .mutation(() => ({ id: 2 })),
    }),
  });
  const server = createBranchServer({ router, title: 'warm-up', version: '0', description: 'warm-up' });
  const socket = path.join(os.tmpdir(), `branchyard-warm-up-${process.pid}.sock`);
  rmSync(socket, { force: true });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  const call = (method: string, url: string, body?: string) =>
    new Promise<void>((resolve) => {
      const request = http.request(
        { socketPath: socket, method, path: url, agent: false, headers: { 'content-type': 'application/json' } },
        (response) => response.resume().on('end', resolve),
      );
      request.on('error', () => resolve());
      request.end(body);
    });
  try {
    await call('GET', '/health');
    await call('GET', '/notes/list?limit=2');
    await call('POST', '/notes/add', '{"text":"x"}');
    await call('POST', '/notes/add', '{"text":5}');
    await call('GET', '/trpc/notes.list');
  } finally {
    await new Promise((resolve) => server.close(resolve));
    rmSync(socket, { force: true });
  }
}
