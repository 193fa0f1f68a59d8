// The UI over `branchyard serve` in a real browser: the shell shows real engine data, events
// arrive live, and nothing answers without the access token.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS } from './support/browser.ts';
import { runCli } from './support/engine.ts';
import { useServedWorkspace } from './support/served-workspace.ts';

const s = useServedWorkspace('acme');

/** A raw request, so headers such as Host can be set the way an attacker would. */
function request(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

describe('branchyard serve in a browser', () => {
  it('shows the workspace, its gateways and the doctor report from the real engine', async () => {
    const page = await s.browser.context.newPage();
    await page.goto(s.serve.loginUrl);
    expect(new URL(page.url()).search).toBe(''); // the token left the address bar
    await expect.poll(() => page.getByTestId('workspace-name').textContent()).toBe('acme');
    const port = async (gateway: string) =>
      (JSON.parse(await readFile(path.join(s.workspace, 'gateways', `${gateway}.json`), 'utf8')) as { port: number })
        .port;
    // In promotion order, as a pipeline; only production is protected.
    await expect
      .poll(() => page.getByTestId('gateways').locator('.gateway-head').allTextContents())
      .toEqual([
        expect.stringMatching(new RegExp(`^development :${await port('development')}(?!protected)`)),
        expect.stringMatching(new RegExp(`^staging :${await port('staging')}(?!protected)`)),
        expect.stringMatching(new RegExp(`^production :${await port('production')}protected`)),
      ]);
    // The doctor's report is part of the settings.
    await page.getByTestId('tab-settings').click();
    const docker = page.getByTestId('doctor').locator('li', { hasText: 'docker' });
    await expect.poll(() => docker.textContent(), { timeout: 15_000 }).toMatch(/✓ docker Docker engine/);
    await expect.poll(() => page.getByText('No codebases yet').count()).toBe(1);
    await expect
      .poll(() => page.getByTestId('key-status').textContent())
      .toMatch(/^No key: set BRANCHYARD_AI_KEY where the engine runs, or enter it here\.$/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'shell.png'), fullPage: true });
    await page.close();
  });

  it('streams engine events to the page as they happen', async () => {
    const page = await s.browser.context.newPage();
    await page.goto(s.serve.loginUrl);
    await expect.poll(() => page.locator('.connection').textContent(), { timeout: 30_000 }).toBe('live');
    // Another client (a script with the bearer token) does work; the page sees its progress.
    const other = path.join(s.tmp, 'second');
    const response = await fetch(`${s.serve.url}trpc/workspace.init`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.serve.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ dir: other }),
      signal: AbortSignal.timeout(30_000),
    });
    expect(response.status).toBe(200);
    await expect.poll(() => page.getByTestId('activity').textContent()).toContain('workspace second is ready');
    await page.screenshot({ path: path.join(ARTIFACTS, 'activity.png') });
    await page.close();
  });

  it('answers 401 and no data without the right token, and refuses foreign Host names', async () => {
    const info = `${s.serve.url}trpc/workspace.info`;
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong' },
      { cookie: `branchyard_token_${s.serve.port}=wrong` },
    ];
    for (const headers of attempts) {
      const res = await request(info, headers);
      expect(res.status).toBe(401);
      expect(res.body).not.toContain('acme');
    }
    expect((await request(`${s.serve.url}?token=wrong`)).status).toBe(401);
    expect((await request(`${s.serve.url}`)).status).toBe(401);
    const rebound = await request(info, {
      host: `attacker.example:${s.serve.port}`,
      authorization: `Bearer ${s.serve.token}`,
    });
    expect(rebound.status).toBe(421);
    const ok = await request(info, { authorization: `Bearer ${s.serve.token}` });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).result.data.name).toBe('acme');
  });

  it('changes the AI settings, refuses a bad value naming the field, and keeps a browser key in memory only', async () => {
    const page = await s.browser.context.newPage();
    await page.goto(s.serve.loginUrl);
    await page.getByTestId('tab-settings').click();
    const settings = page.getByTestId('settings');
    await expect.poll(() => settings.locator('input[name="model"]').inputValue()).not.toBe('');
    await settings.locator('input[name="model"]').fill('acme/model-2');
    await settings.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('settings-message').textContent()).toBe('Saved to ai/config.json.');
    await expect.poll(() => page.getByTestId('status-model').textContent()).toContain('acme/model-2');
    const file = path.join(s.workspace, 'ai', 'config.json');
    const saved = await readFile(file, 'utf8');
    expect(JSON.parse(saved).model).toBe('acme/model-2');

    await settings.locator('input[name="baseUrl"]').fill('not a url');
    await settings.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => page.getByTestId('settings-message').textContent())
      .toContain('ai/config.json: baseUrl: expected an http(s) URL of an OpenAI-compatible endpoint');
    expect(await readFile(file, 'utf8')).toBe(saved);

    await settings.getByRole('textbox', { name: 'API key' }).fill('sk-typed-in-the-browser');
    await settings.getByRole('button', { name: 'Give the key to the engine' }).click();
    await expect
      .poll(() => page.getByTestId('key-status').textContent())
      .toBe('Key set: the engine holds it in its memory until it stops (never in a file).');
    expect(await readFile(file, 'utf8')).not.toContain('sk-typed-in-the-browser');
    await page.screenshot({ path: path.join(ARTIFACTS, 'settings.png'), fullPage: true });
    await page.close();
  });

  it('keeps its address file private while running, and removes it when stopped', async () => {
    const addressFile = path.join(s.workspace, '.branchyard', 'serve.json');
    const { statSync } = await import('node:fs');
    expect(statSync(addressFile).mode & 0o777).toBe(0o600);
    // A second engine on the same workspace is refused: the state is in use.
    const second = await runCli(['--workspace', s.workspace, 'serve', '--port', '0']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/is in use by process \d+/);
    expect(await s.serve.stop()).toBe(0);
    expect(existsSync(addressFile)).toBe(false);
  });
});
