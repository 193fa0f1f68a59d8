// Another page on this machine, served from another port of 127.0.0.1, while the user's window
// is logged in to `serve` in the same browser. Ports do not separate cookies or sites, so the
// browser sends the user's token cookie with that page's form posts and no-cors fetches: serve
// refuses them (403) and nothing is added. A token cookie planted by that page, not valid
// percent-encoding, neither stops the engine nor shuts the user out.
import { readdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS } from './support/browser.ts';
import { useServedWorkspace } from './support/served-workspace.ts';

const s = useServedWorkspace('guarded', undefined, { BRANCHYARD_RUNTIME: 'host' });

let neighbour: http.Server;
let neighbourUrl = '';
beforeAll(async () => {
  neighbour = http.createServer((_request, response) =>
    response
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><title>neighbour</title><p>another local app'),
  );
  await new Promise<void>((resolve) => neighbour.listen(0, '127.0.0.1', resolve));
  neighbourUrl = `http://127.0.0.1:${(neighbour.address() as { port: number }).port}/`;
});
// This runs before the browser closes (hooks after tests run last first), and the browser keeps
// its connection to the page open: close() alone waited for it until the hook gave up (~100 s).
afterAll(
  () =>
    new Promise<void>((resolve) => {
      if (!neighbour) return resolve();
      neighbour.close(() => resolve());
      neighbour.closeAllConnections();
    }),
);

async function loggedIn(): Promise<Page> {
  const page = await s.browser.context.newPage();
  await page.goto(s.serve.loginUrl);
  await expect.poll(() => page.getByTestId('workspace-name').textContent(), { timeout: 30_000 }).toBe('guarded');
  return page;
}

const databases = async () => (await readdir(path.join(s.workspace, 'databases'))).sort();

describe('pages on other ports of 127.0.0.1', () => {
  it("cannot add a database with the user's cookie: a no-cors fetch and form posts are refused 403", async () => {
    const user = await loggedIn();
    const before = await databases();
    const target = `${s.serve.url}trpc/db.add`;
    const page = await s.browser.context.newPage();
    await page.goto(neighbourUrl);

    const fetched = page.waitForResponse((r) => r.url() === target);
    await page.evaluate(async (url) => {
      const body = new FormData();
      body.append('postgresUrlEnv', 'SHOP_DATABASE_URL');
      await fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', body });
    }, target);
    const answers = [await fetched];
    for (const enctype of ['multipart/form-data', 'text/plain', 'application/x-www-form-urlencoded']) {
      await page.goto(neighbourUrl);
      const posted = page.waitForResponse((r) => r.url() === target);
      await page.evaluate(
        ({ url, type }) => {
          const form = Object.assign(document.createElement('form'), { method: 'post', action: url, enctype: type });
          form.append(
            Object.assign(document.createElement('input'), { name: 'postgresUrlEnv', value: 'SHOP_DATABASE_URL' }),
          );
          document.body.append(form);
          form.submit();
        },
        { url: target, type: enctype },
      );
      answers.push(await posted);
      await page.waitForURL(target); // the refusal shown, before the next form
    }
    const seen = await Promise.all(
      answers.map(async (answer) => ({ status: answer.status(), headers: await answer.request().allHeaders() })),
    );
    expect(seen.map((a) => [a.status, a.headers['content-type']?.split(';')[0]])).toEqual(
      ['multipart/form-data', 'multipart/form-data', 'text/plain', 'application/x-www-form-urlencoded'].map((type) => [
        403,
        type,
      ]),
    );
    // The form posts went with the user's cookie: only the origin check stood in the way. (The
    // fetch's request headers as Playwright reports them do not always hold its cookie.)
    for (const form of seen.slice(1)) expect(form.headers.cookie).toContain(`branchyard_token_${s.serve.port}=`);
    expect(await databases()).toEqual(before);

    // The user's own window still calls the engine.
    await user.reload();
    await expect.poll(() => user.getByTestId('workspace-name').textContent(), { timeout: 30_000 }).toBe('guarded');
    await page.close();
    await user.close();
  }, 120_000);

  it('a malformed token cookie planted by one neither stops the engine nor shuts the user out', async () => {
    const user = await loggedIn();
    const page = await s.browser.context.newPage();
    await page.goto(neighbourUrl);
    // Cookies ignore ports: set here, sent to serve. The longer path is sent before the user's.
    await page.evaluate((port) => {
      document.cookie = `branchyard_token_${port}=%E0%A4%A; path=/`;
      document.cookie = `branchyard_token_${port}=%E0%A4%A; path=/trpc`;
    }, s.serve.port);
    const planted = (await s.browser.context.cookies(s.serve.url + 'trpc/')).filter(
      (c) => c.name === `branchyard_token_${s.serve.port}`,
    );
    expect(planted.map((c) => c.value)).toContain('%E0%A4%A');

    await user.reload();
    await expect.poll(() => user.getByTestId('workspace-name').textContent(), { timeout: 30_000 }).toBe('guarded');
    await user.screenshot({ path: path.join(ARTIFACTS, 'serve-neighbours.png') });
    expect(s.serve.child.exitCode).toBeNull();
    const info = await fetch(`${s.serve.url}trpc/workspace.info`, {
      headers: { authorization: `Bearer ${s.serve.token}` },
    });
    expect(info.status).toBe(200);
    await page.close();
    await user.close();
  }, 120_000);
});
