// The explorer's try-it calls on real HTTPS: a stand-in gateway with a certificate from a real
// workspace CA, which sees what the engine sends it; and the refusals of every other target.
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCa } from '../gateway/index.ts';
import { tempDir } from '../testing/index.ts';
import type { WorkspacePaths } from '../workspace/index.ts';
import type { CallOptions } from './index.ts';
import { callGateway } from './index.ts';

const NAME = 'notes.development.shop.localhost';

async function echoServer(cert: { cert: string; key: string }, seen: IncomingHttpHeaders[]) {
  const server = https.createServer(cert, (request, response) => {
    seen.push(request.headers);
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () =>
      response
        .writeHead(201, {
          'content-type': 'application/json',
          'set-cookie': 'branchyard_token_1=planted; Path=/',
          'x-branch': '00001',
        })
        .end(JSON.stringify({ method: request.method, url: request.url, body })),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('explorer calls to a gateway', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let options: CallOptions;
  let port: number;
  let strangerPort: number;
  const seen: IncomingHttpHeaders[] = [];
  const servers: https.Server[] = [];

  beforeAll(async () => {
    tmp = await tempDir();
    const ca = await LocalCa.open({ engineDir: path.join(tmp.path, 'a') } as WorkspacePaths, 'shop');
    const gateway = await echoServer(await ca.issue([NAME]), seen);
    // The same name, signed by another workspace's CA: not to be trusted.
    const other = await LocalCa.open({ engineDir: path.join(tmp.path, 'b') } as WorkspacePaths, 'other');
    const stranger = await echoServer(await other.issue([NAME]), []);
    servers.push(gateway.server, stranger.server);
    port = gateway.port;
    strangerPort = stranger.port;
    options = {
      ca: ca.certificatePem,
      targets: [
        { gateway: 'development', port, names: [NAME] },
        { gateway: 'staging', port: strangerPort, names: [NAME] },
      ],
    };
  });
  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    await tmp?.dispose();
  });

  it('calls the gateway over HTTPS trusting the workspace CA, without the window’s cookies, and keeps its cookies off', async () => {
    const answer = await callGateway(options, {
      url: `https://${NAME}:${port}/notes?limit=2`,
      method: 'post',
      headers: {
        'content-type': 'application/json',
        authorization: 'Basic dXNlcjpwYXNz',
        cookie: 'branchyard_token_4000=the-serve-token',
        origin: 'http://127.0.0.1:4000',
        'sec-fetch-site': 'same-origin',
        'x-forwarded-for': '10.0.0.1',
      },
      body: '{"text":"hi"}',
    });
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.body)).toEqual({ method: 'POST', url: '/notes?limit=2', body: '{"text":"hi"}' });
    expect(answer.headers['x-branch']).toBe('00001');
    expect(answer.headers['set-cookie']).toBeUndefined();
    const headers = seen.at(-1)!;
    expect(headers.host).toBe(`${NAME}:${port}`);
    expect(headers.authorization).toBe('Basic dXNlcjpwYXNz');
    expect(headers.cookie).toBeUndefined();
    expect(headers.origin).toBeUndefined();
    expect(headers['sec-fetch-site']).toBeUndefined();
    expect(headers['x-forwarded-for']).toBeUndefined();
  });

  it('refuses a gateway whose certificate the workspace CA did not sign', async () => {
    await expect(
      callGateway(options, { url: `https://${NAME}:${strangerPort}/notes`, method: 'GET', headers: {} }),
    ).rejects.toThrow(/staging gateway could not be reached: .*(certificate|self.signed)/i);
  });

  // Addresses made when the test runs: the ports are known only after beforeAll.
  it.each([
    ['another site', () => 'https://example.com/', /is not one of this workspace's gateways/],
    ['plain HTTP to a gateway name', () => `http://${NAME}:${port}/notes`, /HTTPS only/],
    ['a gateway name on another port', () => `https://${NAME}:${port + 1}/notes`, /is not one of/],
    ['a name no gateway answers to', () => `https://evil.localhost:${port}/notes`, /is not one of/],
    ['the engine itself', () => 'http://127.0.0.1:4000/trpc/workspace.info', /is not one of/],
    ['a user name in the address', () => `https://user:pw@${NAME}:${port}/notes`, /user name/],
    ['not an address', () => 'notes', /is not an address/],
  ])('refuses %s', async (_what, url, reason) => {
    const before = seen.length;
    await expect(callGateway(options, { url: url(), method: 'GET', headers: {} })).rejects.toMatchObject({
      kind: 'InvalidInputError',
      message: expect.stringMatching(reason),
    });
    expect(seen.length).toBe(before);
  });

  it('refuses methods the explorer does not send', async () => {
    await expect(
      callGateway(options, { url: `https://${NAME}:${port}/notes`, method: 'CONNECT', headers: {} }),
    ).rejects.toMatchObject({ kind: 'InvalidInputError' });
  });
});
