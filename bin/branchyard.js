#!/usr/bin/env node
// The `branchyard` command. It runs a one-file build of the CLI and the engine, rebuilt whenever a
// source changed (bin/cli-bundle.js), so starting it compiles no TypeScript.
import { launch } from './cli-bundle.js';

process.exitCode = await launch(process.argv.slice(2));
