// Where the command line's engine comes from. Run from the sources, the engine is imported like any
// module, so there is nothing to prepare. In the CLI bundle, scripts/build-cli.ts replaces this file
// by the loader of the engine bundle, which `prepareEngine` loads (after checking it is not older
// than its sources, rebuilding it if it is) before commander runs an action; `--help` and a wrong
// command line never load it.
export async function prepareEngine(): Promise<void> {}
