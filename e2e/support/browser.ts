// Debian's Chromium driven by playwright-core, with the flags this machine needs: no sandbox
// (root), no GPU, and nothing that reaches for the network on its own.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.BRANCHYARD_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchBrowser(): Promise<{ context: BrowserContext; dispose: () => Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `end-to-end tests need Chromium at ${CHROMIUM}; install Debian's chromium package (./scripts/test.sh does it as root)`,
    );
  }
  const profile = await mkdtemp(path.join(os.tmpdir(), 'branchyard-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: FLAGS,
    headless: true,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    dispose: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export const ARTIFACTS = path.resolve(new URL('../../test-results/e2e', import.meta.url).pathname);
