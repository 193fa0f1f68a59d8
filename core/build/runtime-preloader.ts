// The store's preload.mjs, beside runtime.cjs: a branch's launcher imports it while it waits for
// its build (a new branch's process starts as its checks begin), so the server runtime is
// compiled from its code cache before the server exists. The server's own runtime.cjs is a hard
// link to the same file and is not loaded a second time (runtime-loader.ts).
import { fileURLToPath } from 'node:url';
import { preloadRuntime } from './runtime-loader.ts';

preloadRuntime(fileURLToPath(new URL('./runtime.cjs', import.meta.url)));
// The runtime's HTTP adapters (tRPC's, trpc-to-openapi's) use the fetch Request on every request,
// and Node loads its fetch implementation on first use of that global: ~20 ms of a new process's
// first request, taken here while the process has nothing else to do.
void globalThis.Request;
