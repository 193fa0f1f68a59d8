// A new workspace's gateways get ports no other workspace of this user is configured for and
// nothing on the machine holds now, so two workspaces can run side by side without a clash
// the user only finds when a gateway fails to start. The template's ports are kept when free;
// otherwise the whole set moves up in steps of ten, keeping its layout (7443/7444/7445 become
// 7453/7454/7455), and the files are edited in place so their layout stays as the template's.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

const STEP = 10;
const TRIES = 100;
const PORT_FIELD = /("(?:port|httpPort)"\s*:\s*)(\d+)/g;

export interface GatewayPorts {
  /** How far the template's ports were moved (0: kept). */
  shift: number;
  /** Each gateway's ports, by name. */
  gateways: Record<string, { port: number; httpPort: number | null }>;
}

/** Moves the gateways in `dir/gateways` to free ports; `otherWorkspaces` are folders whose gateway ports are reserved. */
export async function chooseGatewayPorts(dir: string, otherWorkspaces: string[]): Promise<GatewayPorts> {
  const files = await gatewayFiles(dir);
  const reserved = new Set(
    (await Promise.all(otherWorkspaces.map((other) => gatewayFiles(other).catch(() => []))))
      .flat()
      .flatMap((file) => file.ports),
  );
  const wanted = files.flatMap((file) => file.ports.map((port) => ({ port, host: file.host })));
  const shift = await firstFreeShift(wanted, reserved);
  if (shift !== 0) {
    await Promise.all(
      files.map((file) =>
        writeFile(
          file.path,
          file.text.replace(PORT_FIELD, (_, key: string, port: string) => `${key}${Number(port) + shift}`),
        ),
      ),
    );
  }
  const gateways: GatewayPorts['gateways'] = {};
  for (const file of files)
    gateways[file.name] = { port: file.port + shift, httpPort: file.httpPort === null ? null : file.httpPort + shift };
  return { shift, gateways };
}

/** The smallest move that frees every port; 0 when none does (the doctor and the gateway then name the taken one). */
async function firstFreeShift(wanted: Array<{ host: string; port: number }>, reserved: Set<number>): Promise<number> {
  for (let shift = 0; shift < STEP * TRIES; shift += STEP) {
    const moved = wanted.map((w) => ({ ...w, port: w.port + shift }));
    if (moved.some((w) => w.port > 65_535)) return 0;
    if (moved.some((w) => reserved.has(w.port))) continue;
    if ((await Promise.all(moved.map((w) => isPortFree(w.host, w.port)))).every(Boolean)) return shift;
  }
  return 0;
}

interface GatewayFile {
  name: string;
  path: string;
  text: string;
  host: string;
  port: number;
  httpPort: number | null;
  ports: number[];
}

async function gatewayFiles(workspace: string): Promise<GatewayFile[]> {
  const folder = path.join(workspace, 'gateways');
  const names = (await readdir(folder)).filter((name) => name.endsWith('.json')).sort();
  const files = await Promise.all(
    names.map(async (name): Promise<GatewayFile | undefined> => {
      const file = path.join(folder, name);
      const text = await readFile(file, 'utf8');
      // Another workspace's file may be broken by hand: it reserves nothing then.
      const config = (() => {
        try {
          return JSON.parse(text) as { host?: unknown; port?: unknown; httpPort?: unknown };
        } catch {
          return undefined;
        }
      })();
      if (!config || typeof config.port !== 'number') return undefined;
      const httpPort = typeof config.httpPort === 'number' ? config.httpPort : null;
      const host = typeof config.host === 'string' ? config.host : '127.0.0.1';
      return {
        name: name.slice(0, -'.json'.length),
        path: file,
        text,
        host,
        port: config.port,
        httpPort,
        ports: httpPort === null ? [config.port] : [config.port, httpPort],
      };
    }),
  );
  return files.filter((file): file is GatewayFile => file !== undefined);
}

/** Whether a server could listen on `host:port` now (the doctor asks it of every gateway too). */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
