// The command line (CLI.md): a thin adapter over the api router.
export { main } from './main.ts';
export type { CliIo } from './output.ts';
