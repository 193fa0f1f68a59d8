// What a gateway's listeners do besides routing: open their port with an error that names the
// gateway file, refuse upgrades, and answer what Node's HTTP parser and timers reject.
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { BranchyardError } from '../errors/index.ts';

export function listen(
  server: http.Server,
  host: string,
  port: number,
  gateway: string,
  file: string,
  field: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const where = `gateway ${gateway}: port ${port} on ${host} (${field} in ${file})`;
      const message =
        error.code === 'EADDRINUSE'
          ? `${where} is already in use by another program; stop it or choose another port`
          : error.code === 'EACCES'
            ? `${where} needs privileges this user does not have; choose a port above 1023`
            : error.code === 'EADDRNOTAVAIL'
              ? `${where}: this machine has no address ${host}`
              : `${where} cannot be opened: ${error.message}`;
      reject(new BranchyardError('GatewayError', message, { cause: error }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export function refuseUpgrade(_request: http.IncomingMessage, socket: Duplex): void {
  socket.end('HTTP/1.1 501 Not Implemented\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
}

/**
 * Oversized or malformed requests and slow clients: a plain answer where one can still be sent.
 * A request whose body did not arrive within requestTimeout is already being handled: its own
 * response says 408 (`bodyTimedOut`), so the access log has it.
 */
export function answerClientError(
  error: NodeJS.ErrnoException,
  socket: Duplex,
  bodyTimedOut: (response: http.ServerResponse) => void,
): void {
  const response = (socket as { _httpMessage?: http.ServerResponse | null })._httpMessage;
  if (response) {
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' && socket.writable && !response.headersSent) {
      bodyTimedOut(response);
      return cutSoon(socket);
    }
    return void socket.destroy();
  }
  if (!socket.writable) return void socket.destroy();
  const status =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? '431 Request Header Fields Too Large'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  cutSoon(socket);
}

/** A client that keeps writing would hold a half-closed connection open: cut it shortly after. */
function cutSoon(socket: Duplex): void {
  setTimeout(() => socket.destroy(), 500).unref();
}
