// A try-it call of the API explorer, made by the engine on the window's behalf: the engine trusts
// the workspace's CA, so neither the browser nor the desktop window meets a certificate it does
// not know. It reaches only our own gateways, always on 127.0.0.1, whatever the name resolves to;
// the answer goes back to the window as data, never as a page of ours the branch could script.
import https from 'node:https';
import { BranchyardError } from '../errors/index.ts';

/** A gateway the explorer may call: the names it answers to and its HTTPS port. */
export interface GatewayTarget {
  gateway: string;
  port: number;
  names: string[];
}

export interface ExplorerRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

export interface ExplorerResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  /** UTF-8 text, or base64 when the branch answered with bytes that are not text. */
  body: string;
  bodyEncoding: 'utf8' | 'base64';
}

export interface CallOptions {
  targets: GatewayTarget[];
  /** The workspace CA's certificate (PEM): the only one trusted. */
  ca: string;
  timeoutMs?: number;
  maxBodyBytes?: number;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Headers the window's call never passes on: the browser's own (cookies, where the page is),
 * hop-by-hop ones, and what would let the caller pose as a proxy. The serve token lives in an
 * HttpOnly cookie the page cannot read, and cookies are dropped here too.
 */
const DROPPED_REQUEST =
  /^(cookie|host|origin|referer|connection|keep-alive|te|trailer|transfer-encoding|upgrade|content-length|forwarded|proxy-.*|sec-.*|x-forwarded-.*|x-real-ip)$/i;

/** A branch's cookies would land on the engine's own address (its token cookie among them). */
const DROPPED_RESPONSE = /^(set-cookie|set-cookie2|connection|keep-alive|transfer-encoding)$/i;

/** The gateway a URL names, or the reason the explorer will not call it. */
export function targetOf(targets: GatewayTarget[], raw: string): { target: GatewayTarget; url: URL } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refusal(`${raw} is not an address`);
  }
  if (url.protocol !== 'https:') throw refusal(`${url.origin} is not one of this workspace's gateways (HTTPS only)`);
  if (url.username || url.password)
    throw refusal('an address with a user name in it is not sent; use the Authorize button');
  const port = url.port === '' ? 443 : Number(url.port);
  const name = url.hostname.toLowerCase();
  const target = targets.find((t) => t.port === port && t.names.includes(name));
  if (!target) throw refusal(`${url.origin} is not one of this workspace's gateways; the explorer calls only those`);
  return { target, url };
}

export async function callGateway(options: CallOptions, request: ExplorerRequest): Promise<ExplorerResponse> {
  const method = request.method.toUpperCase();
  if (!METHODS.has(method)) throw refusal(`${request.method} is not a method the explorer sends`);
  const { target, url } = targetOf(options.targets, request.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (!DROPPED_REQUEST.test(name)) headers[name] = value;
  headers.host = url.host;
  const body = request.body === undefined || method === 'GET' || method === 'HEAD' ? undefined : request.body;
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const maxBodyBytes = options.maxBodyBytes ?? 8 * 1024 * 1024;
  return new Promise<ExplorerResponse>((resolve, reject) => {
    const outgoing = https.request(
      {
        // Our gateways listen on this machine: the name is given to TLS and the gateway's router,
        // never to a resolver that could point it elsewhere.
        host: '127.0.0.1',
        port: target.port,
        servername: url.hostname,
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        ca: options.ca,
        agent: false,
        timeout: options.timeoutMs ?? 30_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBodyBytes) {
            response.destroy();
            return reject(
              new BranchyardError('GatewayError', `the answer is over ${maxBodyBytes} bytes; try it with curl`),
            );
          }
          chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          const isText = Buffer.from(text, 'utf8').equals(bytes);
          const kept: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers))
            if (value !== undefined && !DROPPED_RESPONSE.test(name))
              kept[name] = Array.isArray(value) ? value.join(', ') : value;
          resolve({
            status: response.statusCode ?? 502,
            statusText: response.statusMessage ?? '',
            headers: kept,
            body: isText ? text : bytes.toString('base64'),
            bodyEncoding: isText ? 'utf8' : 'base64',
          });
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('the gateway did not answer in time')));
    outgoing.on('error', (error) =>
      reject(
        new BranchyardError('GatewayError', `the ${target.gateway} gateway could not be reached: ${error.message}`),
      ),
    );
    outgoing.end(body);
  });
}

function refusal(message: string): BranchyardError {
  return new BranchyardError('InvalidInputError', message);
}
