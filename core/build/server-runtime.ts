// What every branch server runs, bundled into it by the build: the tRPC instance, the error
// mapping of the boilerplate's errors to HTTP statuses, the OpenAPI document, the health route,
// the request time limit, and listening where the runtime says (a unix socket or a loopback
// port). Generated entries import this module; it is never edited per branch.
import { readFileSync, renameSync, rmSync } from 'node:fs';
import http from 'node:http';
import { initTRPC, TRPCError } from '@trpc/server';
import type { AnyRouter } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createOpenApiNodeHttpHandler, generateOpenApiDocument } from 'trpc-to-openapi';
import type { OpenApiMeta, OpenApiRouter } from 'trpc-to-openapi';

export { z } from 'zod';

export const t = initTRPC.meta<OpenApiMeta>().create({
  errorFormatter({ shape, error }) {
    // A function's own failure reaches the caller as "internal error", never with a stack.
    const message = error.code === 'INTERNAL_SERVER_ERROR' ? 'internal error' : shape.message;
    return { ...shape, message, data: { ...shape.data, stack: undefined } };
  },
});

/** NotFoundError and ValidationError from the boilerplate's shared/errors become 404 and 400. */
const statusFromErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause?.name === 'NotFoundError') throw new TRPCError({ code: 'NOT_FOUND', message: cause.message, cause });
    if (cause?.name === 'ValidationError') throw new TRPCError({ code: 'BAD_REQUEST', message: cause.message, cause });
    if (result.error.code === 'INTERNAL_SERVER_ERROR')
      console.error(`[branch] ${result.error.cause?.stack ?? result.error.message}`);
  }
  return result;
});

export const exposed = t.procedure.use(statusFromErrors);

export interface BranchServerOptions {
  router: AnyRouter;
  title: string;
  version: string;
  description: string;
  /** The `openapi.json` the build wrote beside the server, served as it is when it exists. */
  documentFile?: URL | string;
}

/** How this process compiled the runtime (set by the server's loader): said once it listens. */
let codeCacheUse: string | undefined;

export function noteCodeCache(use: string): void {
  codeCacheUse = use;
}

export function openApiDocument(options: BranchServerOptions) {
  return generateOpenApiDocument(options.router as OpenApiRouter, {
    title: options.title,
    version: options.version,
    description: options.description,
    baseUrl: '/',
  });
}

/**
 * trpc-to-openapi turns every input schema into a coercing one on its first request, bodies
 * included, so `{ "done": "no" }` became `done: true` and `{ "name": 5 }` a name of "5" (the
 * route checks found it). Query strings carry only text and need coercion, which their
 * generated schemas have already; a JSON body carries types, so its schemas keep the coercion
 * they were written with: the library's writes to it are ignored.
 */
const COERCIBLE = new Set(['string', 'number', 'boolean', 'bigint', 'date']);

function keepBodiesStrict(router: AnyRouter): void {
  const seen = new Set<object>();
  const pin = (schema: unknown): void => {
    const def = (schema as { _zod?: { def?: Record<string, unknown> } } | null)?._zod?.def;
    if (!def || seen.has(def)) return;
    seen.add(def);
    if (COERCIBLE.has(def.type as string)) {
      const coerce = def.coerce === true;
      Object.defineProperty(def, 'coerce', { get: () => coerce, set: () => undefined, configurable: false });
    }
    const shape = def.shape as Record<string, unknown> | undefined;
    for (const inner of [
      ...Object.values(shape ?? {}),
      def.innerType,
      def.element,
      def.in,
      def.out,
      def.valueType,
      ...((def.options as unknown[] | undefined) ?? []),
    ])
      pin(inner);
  };
  for (const procedure of Object.values(
    router._def.procedures as Record<string, { _def: { meta?: OpenApiMeta; inputs?: unknown[] } }>,
  )) {
    if (procedure._def.meta?.openapi?.method === 'GET') continue;
    for (const input of procedure._def.inputs ?? []) pin(input);
  }
}

export function startBranchServer(options: BranchServerOptions): void {
  if (process.argv.includes('--print-openapi')) {
    process.stdout.write(JSON.stringify(openApiDocument(options)));
    return;
  }
  const server = createBranchServer(options);
  // Late writes after a 504 must not bring the process down.
  process.on('unhandledRejection', (error) =>
    console.error(`[branch] unhandled: ${(error as Error)?.stack ?? String(error)}`),
  );

  const socket = process.env.BRANCHYARD_SOCKET;
  const how = codeCacheUse ? ` (runtime: ${codeCacheUse})` : '';
  const ready = () =>
    console.log(`[branch] listening on ${socket ?? `127.0.0.1:${(server.address() as { port: number }).port}`}${how}`);
  if (socket) {
    // Bound aside and renamed onto the branch's path: the path always names a listening socket,
    // this process's or (during a reload, until this rename) the one it replaces, which a
    // client reaches until then; and closing this server later unlinks only the aside path.
    // (Named by the process id, no longer than the branch's own name: a socket path has ~100 bytes.)
    const aside = `${socket.slice(0, socket.lastIndexOf('/') + 1)}.${process.pid}`;
    rmSync(aside, { force: true });
    server.listen(aside, () => {
      renameSync(aside, socket);
      ready();
    });
  } else server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', ready);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** The branch's HTTP server (health, OpenAPI document, REST and tRPC routes), not yet listening. */
export function createBranchServer(options: BranchServerOptions): http.Server {
  // The build wrote the document beside the server: read, not made again on every start (making
  // it turns every input schema into JSON Schema, a good part of a small branch's start).
  const document = builtDocument(options.documentFile) ?? JSON.stringify(openApiDocument(options));
  // The node adapter, not the standalone one: that one turns the request into a fetch Request
  // (whose URL a bad Host header breaks) and answers invalid JSON with 500. The body is parsed
  // here instead (readJsonBody), so a client's mistake is a 400 that says what was wrong.
  keepBodiesStrict(options.router);
  const rest = createOpenApiNodeHttpHandler({ router: options.router as OpenApiRouter, createContext: () => ({}) });
  const rpc = createHTTPHandler({ router: options.router, basePath: '/trpc/', createContext: () => ({}) });
  const timeoutMs = Number(process.env.BRANCHYARD_REQUEST_TIMEOUT_MS ?? 30_000);
  const maxBodyBytes = Number(process.env.BRANCHYARD_MAX_BODY_BYTES ?? 10 * 1024 * 1024);

  const serveRest = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    const body = await readJsonBody(request, maxBodyBytes);
    if (body.kind === 'invalid')
      return json(response, body.status, {
        code: body.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'PARSE_ERROR',
        message: body.message,
      });
    if (body.kind === 'json') (request as http.IncomingMessage & { body?: unknown }).body = body.value;
    await rest(request, response);
  };

  const server = http.createServer((request, response) => {
    const url = request.url ?? '/';
    // A function that never returns gets a 504; the process lives on for the next request.
    const timer = setTimeout(() => {
      if (!response.headersSent)
        json(response, 504, { code: 'TIMEOUT', message: `the function did not answer within ${timeoutMs} ms` });
    }, timeoutMs);
    response.on('close', () => clearTimeout(timer));
    if (url === '/health') return json(response, 200, { ok: true, branch: process.env.BRANCHYARD_BRANCH ?? null });
    if (url === '/openapi.json')
      return void response.writeHead(200, { 'content-type': 'application/json' }).end(document);
    const handled = url.startsWith('/trpc/') ? rpc(request, response) : serveRest(request, response);
    void Promise.resolve(handled).catch((error: unknown) => {
      // A request the client got wrong is its 400, not a stack trace in the branch's log.
      if (error instanceof TRPCError && (error.code === 'BAD_REQUEST' || error.code === 'PARSE_ERROR')) {
        if (!response.headersSent) json(response, 400, { code: error.code, message: error.message });
        return;
      }
      console.error(`[branch] ${(error as Error).stack ?? String(error)}`);
      if (!response.headersSent) json(response, 500, { code: 'INTERNAL_SERVER_ERROR', message: 'internal error' });
    });
  });
  return server;
}

/** The build's `openapi.json` beside this server, when there is one (not while the build prints it). */
function builtDocument(file: URL | string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

type JsonBody =
  { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'invalid'; status: 400 | 413; message: string };

/**
 * The body of a request that says it sends JSON, parsed; an empty one is no body (the input's
 * own validation then says what is missing). Other requests are left for the adapter.
 */
async function readJsonBody(request: http.IncomingMessage, maxBytes: number): Promise<JsonBody> {
  const method = request.method;
  if (
    method === 'GET' ||
    method === 'HEAD' ||
    method === 'DELETE' ||
    !request.headers['content-type']?.toLowerCase().startsWith('application/json')
  )
    return { kind: 'none' };
  const chunks: Buffer[] = [];
  let size = 0;
  // Read to the end even when too large: cutting the stream would cut the answer with it.
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
  }
  if (size > maxBytes) return { kind: 'invalid', status: 413, message: `the request body is over ${maxBytes} bytes` };
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { kind: 'json', value: undefined };
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch (error) {
    return { kind: 'invalid', status: 400, message: `the request body is not valid JSON: ${(error as Error).message}` };
  }
}

function json(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
