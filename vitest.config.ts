// Three projects, one runner: unit tests sit beside the code (`*.test.ts`), integration tests
// that need real services too (`*.int.test.ts`), and end-to-end tests in e2e/ (`*.e2e.ts`).
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { LongestFirst } from './scripts/test-order.ts';

// The engine remembers opened workspaces in the user's config folder: tests keep theirs apart.
const env = { XDG_CONFIG_HOME: path.join(os.tmpdir(), 'branchyard-test-config') };

export default defineConfig({
  test: {
    // Longest files first by a kept list of durations: a clean clone has no cache of the last run.
    // (scripts/test.sh also runs the unit and integration files without a process each: --no-isolate.)
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        test: {
          env,
          name: 'unit',
          include: ['core/**/*.test.ts', 'scripts/**/*.test.ts', 'renderer/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          env,
          name: 'integration',
          include: ['core/**/*.int.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          env,
          name: 'e2e',
          include: ['e2e/**/*.e2e.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // A window under CI load can take well over vitest's default 1 s to show what the engine
          // sent; a poll that waits longer only costs time when the feature is broken.
          expect: { poll: { timeout: 30_000 } },
        },
      },
    ],
  },
});
