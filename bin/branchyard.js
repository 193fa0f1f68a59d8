#!/usr/bin/env node
// Runs the TypeScript CLI directly: tsx compiles on load and caches, so there is no build step
// between `npm ci` and `npx branchyard`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../core/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
