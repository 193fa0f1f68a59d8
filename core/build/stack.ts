// The fixed stack a branch may import (DESIGN.md §3): the engine provides these packages once,
// read-only, to type-checks, sandboxes and containers. Anything else is a build error naming it.
import { existsSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

export const STACK_PACKAGES = ['zod', 'drizzle-orm', 'pg'] as const;
/** Type packages the stack needs to type-check; never imported by a branch itself. */
export const TYPE_PACKAGES = ['@types/node', '@types/pg'] as const;

const require = createRequire(import.meta.url);

/** Where each stack package is installed for the engine, by package name. */
export function stackPackageDirs(): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const name of [...STACK_PACKAGES, ...TYPE_PACKAGES]) {
    // Not require.resolve(`${name}/package.json`): packages with an "exports" map may hide it.
    const dir = (require.resolve.paths(name) ?? [])
      .map((base) => path.join(base, name))
      .find((candidate) => existsSync(path.join(candidate, 'package.json')));
    if (!dir) throw new Error(`the engine's stack package ${name} is not installed; run npm ci`);
    dirs.set(name, dir);
  }
  return dirs;
}

/** The package an import specifier names (`drizzle-orm/pg-core` → `drizzle-orm`), or null for relative and `node:` imports. */
export function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

export function isInStack(specifier: string): boolean {
  const name = packageOf(specifier);
  return name === null || (STACK_PACKAGES as readonly string[]).includes(name);
}

/**
 * Gives a folder of branch files the stack, as the build does: a node_modules of links to the
 * engine's copies (by default where this engine has them installed).
 */
export async function linkStack(
  dir: string,
  packages: ReadonlyMap<string, string> = stackPackageDirs(),
): Promise<void> {
  for (const [name, target] of packages) {
    const link = path.join(dir, 'node_modules', name);
    await mkdir(path.dirname(link), { recursive: true });
    await symlink(target, link, 'dir').catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}
