// One gateway: an HTTPS listener on its port (certificates from the workspace CA, picked by the
// name the client asks for) and a plain HTTP listener on its httpPort that only redirects. Each
// request is checked in order: host, address, credentials, path, route; then forwarded to the
// branch the current route table names.
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Disposable } from '../lifecycle/index.ts';
import type { GatewayLimits } from '../workspace/index.ts';
import type { AccessPolicy, ClientAddress } from './access.ts';
import { BasicAuthChecker, clientAddress, ipAllowed } from './access.ts';
import type { AccessLogEntry, AccessLogSink } from '../logs/index.ts';
import { DOCS_CSP, docsAssets } from './docs-page.ts';
import { parseHostHeader } from './host-names.ts';
import type { LocalCa } from './local-ca.ts';
import type { BranchDocuments, DocumentSource } from './openapi-docs.ts';
import { codebaseDocument, mergeDocuments } from './openapi-docs.ts';
import { answerClientError, listen, refuseUpgrade } from './listeners.ts';
import type { ForwardFailure, UpstreamLimits, UpstreamShare } from './proxy.ts';
import { DEFAULT_UPSTREAM_LIMITS, forward, Upstreams } from './proxy.ts';
import { hasManyHosts, pathOnly, remember } from './request-facts.ts';
import { checkRequestTarget } from './request-path.ts';
import type { CodebaseRoute, RouteTable } from './route-table.ts';
import { TLS_PROFILE } from './tls-profile.ts';
import { TlsContexts } from './tls-contexts.ts';
import type { WakeFailure, Wakeups } from './wakeups.ts';

export const DEFAULT_LIMITS: Required<GatewayLimits> = {
  maxHeaderBytes: 16 * 1024,
  maxBodyBytes: 10 * 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  upstreamTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
};

export interface GatewayInstanceOptions {
  name: string;
  /** The gateway file, for messages. */
  file: string;
  host: string;
  port: number;
  httpPort: number | null;
  limits: Required<GatewayLimits>;
  ca: LocalCa;
  log: AccessLogSink;
  documents: BranchDocuments;
  table: RouteTable;
  auth?: BasicAuthChecker;
  /** This gateway's connections to branches; DEFAULT_UPSTREAM_LIMITS unless given. */
  upstream?: UpstreamLimits;
  /** Sleeping branches wake on their first request (shared by the engine's gateways). */
  wakeups?: Wakeups;
}

/**
 * A client address as parsed once, with its count of requests at the branches. When the memo
 * is emptied (MAX_REMEMBERED addresses), requests under way count down on the old object: an
 * address can briefly have up to twice its share, never more than that per emptying.
 */
type Peer = ClientAddress & UpstreamShare;

/** Names any client may ask a certificate for: loopback-only, so signing them gives nothing away. */
const LOCAL_NAME = /^[a-z0-9.-]+\.localhost$/;
const MAX_CONTEXTS = 1000;
/** Host headers and client addresses remembered parsed: the same few come again and again. */
const MAX_REMEMBERED = 1000;

export class GatewayInstance implements Disposable {
  private table: RouteTable;
  private readonly contexts = new TlsContexts(MAX_CONTEXTS, (name) =>
    this.options.ca
      .issue([name])
      .then((issued) => tls.createSecureContext({ key: issued.key, cert: issued.cert, ...TLS_PROFILE })),
  );
  private readonly auth: BasicAuthChecker;
  /** Answers under way, with the access-log entry each fills in. */
  private readonly open = new Map<http.ServerResponse, AccessLogEntry>();
  private readonly hostHeaders = new Map<string, string | null>();
  private readonly peers = new Map<string | undefined, Peer>();
  private readonly upstreams: Upstreams;
  private clock = { ms: 0, iso: '' };

  private constructor(
    private readonly options: GatewayInstanceOptions,
    private readonly secure: https.Server,
    private readonly plain: http.Server | null,
  ) {
    this.table = options.table;
    this.auth = options.auth ?? new BasicAuthChecker();
    this.upstreams = new Upstreams(options.upstream ?? DEFAULT_UPSTREAM_LIMITS);
  }

  static async start(options: GatewayInstanceOptions): Promise<GatewayInstance> {
    const fallback = await options.ca.issue(['localhost', options.table.gatewayName]);
    const limits = options.limits;
    const serverOptions = {
      maxHeaderSize: limits.maxHeaderBytes,
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often idle and slow connections are checked against the timeouts above.
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    };
    const secure = https.createServer({
      ...serverOptions,
      key: fallback.key,
      cert: fallback.cert,
      ...TLS_PROFILE,
      handshakeTimeout: limits.headersTimeoutMs,
      SNICallback: (name, done) => {
        instance.contextFor(name).then(
          (context) => done(null, context),
          (error: Error) => done(error, undefined),
        );
      },
    });
    // Set again on the server itself: https.Server does not take every one of these options.
    Object.assign(secure, {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
    });
    const plain = options.httpPort === null ? null : http.createServer(serverOptions);
    const instance = new GatewayInstance(options, secure, plain);
    const handle = (request: http.IncomingMessage, response: http.ServerResponse) => instance.handle(request, response);
    const redirect = (request: http.IncomingMessage, response: http.ServerResponse) =>
      instance.redirect(request, response);
    const bodyTimedOut = (response: http.ServerResponse) => instance.bodyTimedOut(response);
    secure.on('request', handle);
    // Expect: 100-continue: the 100 is sent once the request passed every check (in forward),
    // so a client is refused before it sends a body, and the branch never sees the header.
    secure.on('checkContinue', handle);
    secure.on('upgrade', refuseUpgrade);
    secure.on('clientError', (error: NodeJS.ErrnoException, socket) => answerClientError(error, socket, bodyTimedOut));
    // An idle TLS connection that never finishes its handshake is cut by handshakeTimeout; one
    // that finishes and then sends nothing is cut by headersTimeout.
    plain?.on('request', redirect);
    plain?.on('checkContinue', redirect);
    plain?.on('upgrade', refuseUpgrade);
    plain?.on('clientError', (error: NodeJS.ErrnoException, socket) => answerClientError(error, socket, bodyTimedOut));

    try {
      await listen(secure, options.host, options.port, options.name, options.file, 'port');
      if (plain && options.httpPort !== null)
        await listen(plain, options.host, options.httpPort, options.name, options.file, 'httpPort');
    } catch (error) {
      secure.close();
      plain?.close();
      throw error;
    }
    return instance;
  }

  get name(): string {
    return this.options.name;
  }

  get routes(): RouteTable {
    return this.table;
  }

  /** Swaps the route table: requests already under way keep the route they started with. */
  setTable(table: RouteTable): void {
    this.table = table;
  }

  addresses(): { port: number; httpPort: number | null } {
    const port = (this.secure.address() as { port: number } | null)?.port ?? this.options.port;
    const httpPort = this.plain ? ((this.plain.address() as { port: number } | null)?.port ?? null) : null;
    return { port, httpPort };
  }

  async dispose(): Promise<void> {
    const closed = Promise.all(
      [this.secure, this.plain]
        .filter((s) => s !== null)
        .map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
    this.secure.closeIdleConnections();
    this.plain?.closeIdleConnections();
    // Requests under way get a moment to finish, then whatever is left is cut.
    const deadline = Date.now() + 5_000;
    while (this.open.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    this.secure.closeAllConnections();
    this.plain?.closeAllConnections();
    await closed;
    await this.upstreams.close();
  }

  private contextFor(name: string): Promise<tls.SecureContext | undefined> {
    const lower = name.toLowerCase();
    if (!this.table.hosts.has(lower) && !LOCAL_NAME.test(lower)) return Promise.resolve(undefined);
    return this.contexts.get(lower);
  }

  /** The host the request names; null when it names none, a bad one, or more than one. */
  private hostOf(request: http.IncomingMessage): string | null {
    const header = request.headers.host;
    if (header === undefined || hasManyHosts(request.rawHeaders)) return null;
    return remember(this.hostHeaders, header, parseHostHeader, MAX_REMEMBERED);
  }

  private peerOf(remote: string | undefined): Peer {
    return remember(this.peers, remote, newPeer, MAX_REMEMBERED);
  }

  /** The client took longer than requestTimeout to send its body: answered here, the branch is left alone. */
  private bodyTimedOut(response: http.ServerResponse): void {
    const entry = this.open.get(response);
    if (entry) {
      entry.outcome = 'refused';
      entry.reason = 'body timeout';
    }
    this.reply(
      response,
      408,
      { error: 'timeout', message: 'the request body did not arrive in time' },
      { connection: 'close' },
    );
  }

  /** The time as an ISO string; the requests of one millisecond share it. */
  private now(): string {
    const ms = Date.now();
    if (ms !== this.clock.ms) this.clock = { ms, iso: new Date(ms).toISOString() };
    return this.clock.iso;
  }

  private redirect(request: http.IncomingMessage, response: http.ServerResponse): void {
    const host = this.hostOf(request);
    if (!host) return void this.reply(response, 400, { error: 'bad-request', message: BAD_HOST });
    if (!this.table.hosts.has(host)) return void this.unknownHost(response);
    const port = this.addresses().port;
    const location = `https://${host}${port === 443 ? '' : `:${port}`}${request.url?.startsWith('/') ? request.url : '/'}`;
    response.writeHead(308, { location, 'content-length': 0 }).end();
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const started = performance.now();
    const table = this.table;
    const peer = this.peerOf(request.socket.remoteAddress);
    const client = peer.address;
    const entry: AccessLogEntry = {
      at: this.now(),
      gateway: this.options.name,
      client,
      method: request.method ?? '',
      path: pathOnly(request.url),
      status: 0,
      durationMs: 0,
      bytes: 0,
      outcome: 'proxied',
    };
    this.open.set(response, entry);
    response.on('close', () => {
      this.open.delete(response);
      entry.status = response.statusCode;
      // Bytes are counted where bodies are written: as forwarded answers pass, and by the
      // gateway's own answers. An answer to HEAD sends none.
      if (request.method === 'HEAD') entry.bytes = 0;
      entry.durationMs = Math.round((performance.now() - started) * 100) / 100;
      this.options.log.write(entry);
    });
    this.route(request, response, table, entry, peer).catch((error: unknown) => {
      entry.outcome = 'error';
      entry.reason = error instanceof Error ? error.message : String(error);
      if (!response.headersSent)
        this.reply(response, 502, { error: 'bad-gateway', message: 'the gateway could not handle this request' });
      else response.destroy();
    });
  }

  private async route(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    table: RouteTable,
    entry: AccessLogEntry,
    peer: Peer,
  ): Promise<void> {
    const host = this.hostOf(request);
    if (!host) return this.refuse(response, entry, 400, 'malformed host', { error: 'bad-request', message: BAD_HOST });
    const target = table.hosts.get(host);
    if (!target) {
      entry.outcome = 'refused';
      entry.reason = 'unknown host';
      return this.unknownHost(response);
    }
    const route = target.kind === 'codebase' ? target.route : undefined;
    if (route) {
      entry.codebase = route.codebase;
      if (route.branch !== null) entry.branch = route.branch;
    }
    const access: AccessPolicy = route ? route.access : table.gatewayAccess;
    if (!ipAllowed(access, peer))
      return this.refuse(response, entry, 403, 'address not allowed', {
        error: 'forbidden',
        message: 'requests from your address are not allowed here',
      });
    if (access.basicAuth) {
      const outcome = await this.auth.check(access.basicAuth, request.headers.authorization, entry.client);
      if (!outcome.ok) {
        if (outcome.reason === 'rate-limited') {
          return this.refuse(
            response,
            entry,
            429,
            'basic auth: too many wrong attempts',
            { error: 'too-many-attempts', message: 'too many wrong credentials from your address; try again later' },
            { 'retry-after': String(outcome.retryAfterSeconds ?? 60) },
          );
        }
        const realm = access.basicAuth.realm.replace(/["\\]/g, '');
        return this.refuse(
          response,
          entry,
          401,
          `basic auth: ${outcome.reason === 'missing' ? 'no credentials' : 'wrong credentials'}`,
          { error: 'unauthorized', message: 'this gateway needs a user name and password' },
          { 'www-authenticate': `Basic realm="${realm}", charset="UTF-8"` },
        );
      }
      entry.user = outcome.user;
    }

    const checked = checkRequestTarget(request.url);
    if (!checked.ok)
      return this.refuse(response, entry, 400, `bad path: ${checked.reason}`, {
        error: 'bad-request',
        message: checked.reason,
      });
    if (checked.segments[0] === '_branchyard')
      return this.serveOwn(request, response, table, route, checked.segments.slice(1), entry, host);
    if (!route) {
      if (checked.segments.length === 0)
        return void response.writeHead(302, { location: '/_branchyard/docs', 'content-length': 0 }).end();
      return this.refuse(response, entry, 404, 'no route', {
        error: 'not-found',
        message: `no route ${request.method} ${checked.path} on this host`,
      });
    }
    if (route.branch === null || route.socketPath === null) return this.unavailable(response, entry);
    const wakeups = this.options.wakeups;
    if (wakeups) {
      // A sleeping branch holds the request while it wakes; a live one costs nothing here.
      const waiting = wakeups.ready(route.codebase, route.branch);
      if (waiting) {
        const failure = await waiting;
        if (failure) return this.wakeFailed(response, entry, failure);
      }
      response.once('close', wakeups.enter(route.codebase, route.branch));
    }
    const document =
      this.options.documents.peek(route.codebase, route.branch) ??
      (await this.options.documents.get(route.codebase, route.branch, route.socketPath).catch(() => undefined));
    if (!document) return this.unavailable(response, entry);
    const match = document.matcher.match(checked.segments, request.method ?? 'GET');
    if (match.kind === 'none')
      return this.refuse(response, entry, 404, 'no route', {
        error: 'not-found',
        message: `no route ${request.method} ${checked.path}`,
      });
    if (match.kind === 'method')
      return this.refuse(
        response,
        entry,
        405,
        'method not allowed',
        { error: 'method-not-allowed', message: `${checked.path} answers ${match.allow.join(', ')}` },
        { allow: match.allow.join(', ') },
      );

    const limits = this.options.limits;
    // Not awaited: the answer is the branch's from here on, and the route is done with it.
    forward(
      request,
      response,
      {
        upstreams: this.upstreams,
        socketPath: route.socketPath,
        share: peer,
        target: request.url!,
        clientAddress: entry.client,
        host,
        stripAuthorization: access.basicAuth !== null,
        maxBodyBytes: limits.maxBodyBytes,
        timeoutMs: limits.upstreamTimeoutMs,
        sent: entry,
      },
      (failure) => {
        if (!failure) return;
        if (failure.status === 503) wakeups?.gone(route.codebase, route.branch!);
        this.forwardFailed(failure, response, entry);
      },
    );
  }

  /** A branch that could not wake: the client is told why, and when to try again. */
  private wakeFailed(response: http.ServerResponse, entry: AccessLogEntry, failure: WakeFailure): void {
    entry.outcome = 'unavailable';
    entry.reason = failure.reason;
    this.reply(
      response,
      503,
      { error: 'unavailable', message: failure.reason },
      { 'retry-after': String(failure.retryAfterSeconds) },
    );
  }

  /** What the client is told when the branch could not be reached, before anything was sent. */
  private forwardFailed(failure: ForwardFailure, response: http.ServerResponse, entry: AccessLogEntry): void {
    if (response.headersSent || response.destroyed) return;
    if (failure.status === 503) return this.unavailable(response, entry);
    const refused = failure.status === 413 || failure.status === 429;
    entry.outcome = refused ? 'refused' : 'error';
    entry.reason = failure.reason;
    if (failure.status === 429)
      return this.reply(
        response,
        429,
        { error: 'too-many-requests', message: `${failure.reason}; try again shortly` },
        { 'retry-after': '1' },
      );
    const error = failure.status === 413 ? 'too-large' : failure.status === 504 ? 'timeout' : 'bad-gateway';
    // Whatever the client still sends of an oversized body is not read: close after answering.
    this.reply(
      response,
      failure.status,
      { error, message: failure.reason },
      failure.status === 413 ? { connection: 'close' } : undefined,
    );
  }

  private refuse(
    response: http.ServerResponse,
    entry: AccessLogEntry,
    status: number,
    reason: string,
    body: { error: string; message: string },
    headers?: http.OutgoingHttpHeaders,
  ): void {
    entry.outcome = 'refused';
    entry.reason = reason;
    this.reply(response, status, body, headers);
  }

  private async serveOwn(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    table: RouteTable,
    route: CodebaseRoute | undefined,
    rest: string[],
    entry: AccessLogEntry,
    host: string,
  ): Promise<void> {
    entry.outcome = 'docs';
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return this.reply(response, 405, { error: 'method-not-allowed', message: 'only GET' }, { allow: 'GET, HEAD' });
    if (rest.length === 1 && rest[0] === 'openapi.json') {
      const port = this.addresses().port;
      const suffix = port === 443 ? '' : `:${port}`;
      const document = route
        ? await this.documentOf(route, `https://${host}${suffix}`)
        : mergeDocuments(
            table.gateway,
            table.workspace,
            await Promise.all(
              table.routes
                .filter((r) => !r.access.hidden || table.gatewayAccess.hidden)
                .map((r) => this.sourceOf(r, r.url)),
            ),
          );
      if (!document) return this.unavailable(response, entry);
      const body = JSON.stringify(document, null, 2);
      entry.bytes = Buffer.byteLength(body);
      response.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(body),
      });
      return void response.end(request.method === 'HEAD' ? undefined : body);
    }
    if (rest[0] === 'docs' && rest.length <= 2) {
      const asset = (await docsAssets()).get(rest[1] ?? '');
      if (asset) {
        entry.bytes = asset.body.length;
        response.writeHead(200, {
          'content-type': asset.type,
          'content-length': asset.body.length,
          'content-security-policy': DOCS_CSP,
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-cache',
        });
        return void response.end(request.method === 'HEAD' ? undefined : asset.body);
      }
    }
    this.reply(response, 404, { error: 'not-found', message: `no such page ${request.url ?? ''}` });
  }

  private async sourceOf(route: CodebaseRoute, url: string): Promise<DocumentSource> {
    const document =
      route.branch === null || route.socketPath === null
        ? null
        : await this.options.documents.get(route.codebase, route.branch, route.socketPath).then(
            (d) => d.document,
            () => null,
          );
    return { codebase: route.codebase, branch: route.branch ?? 0, url, document };
  }

  private async documentOf(route: CodebaseRoute, url: string) {
    const source = await this.sourceOf(route, url);
    return source.document ? codebaseDocument({ ...source, document: source.document }, this.options.name) : null;
  }

  /** The same answer for every name this gateway does not serve, hidden ones included. */
  private unknownHost(response: http.ServerResponse): void {
    this.reply(response, 404, { error: 'unknown-host', message: 'no service answers to this host name here' });
  }

  /** Says nothing of sockets, branches or processes: the client only learns to retry. */
  private unavailable(response: http.ServerResponse, entry: AccessLogEntry): void {
    entry.outcome = 'unavailable';
    this.reply(
      response,
      503,
      { error: 'unavailable', message: 'the service is not running right now; try again shortly' },
      { 'retry-after': '5' },
    );
  }

  private reply(
    response: http.ServerResponse,
    status: number,
    body: { error: string; message: string },
    headers?: http.OutgoingHttpHeaders,
  ): void {
    if (response.headersSent || response.destroyed) return;
    const text = JSON.stringify(body);
    const length = Buffer.byteLength(text);
    const entry = this.open.get(response);
    if (entry) entry.bytes = length;
    response.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': length,
      'cache-control': 'no-store',
      ...headers,
    });
    response.end(text);
  }
}

const BAD_HOST = 'the Host header is missing, is not a host name and port, or is sent more than once';

function newPeer(remote: string | undefined): Peer {
  return { ...clientAddress(remote), upstream: 0 };
}
