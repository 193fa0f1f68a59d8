// Small probes of the machine, each bounded by a timeout: a doctor that hangs is no doctor.
import http from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';

export async function pingDocker(
  socketPath: string,
  timeoutMs: number,
): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath, path: '/version', timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        if (response.statusCode !== 200)
          return resolve({ ok: false, reason: `the engine answered ${response.statusCode}` });
        try {
          resolve({ ok: true, version: String((JSON.parse(body) as { Version?: string }).Version ?? 'unknown') });
        } catch {
          resolve({ ok: false, reason: 'the engine answered with something that is not JSON' });
        }
      });
    });
    request.on('timeout', () => {
      request.destroy();
      resolve({ ok: false, reason: `no answer on ${socketPath} within ${timeoutMs} ms` });
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'ENOENT'
          ? `no socket at ${socketPath} (is dockerd running?)`
          : error.code === 'EACCES'
            ? `no permission to use ${socketPath}`
            : error.message;
      resolve({ ok: false, reason });
    });
  });
}

export async function pingPostgres(
  url: string,
  timeoutMs: number,
): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const result = await client.query<{ server_version: string }>('show server_version');
    return { ok: true, version: result.rows[0]?.server_version ?? 'unknown' };
  } catch (error) {
    const message = (error as Error).message;
    return { ok: false, reason: /timeout/i.test(message) ? `no answer within ${timeoutMs} ms` : message };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The Electron binary, found the way the electron package finds it (path.txt, dist/), but
 * without requiring the package: since Electron 45 that require downloads a missing binary,
 * and a doctor must not reach the network.
 */
export function electronBinary(env: NodeJS.ProcessEnv): { ok: true; path: string } | { ok: false; reason: string } {
  let packageDir: string;
  try {
    packageDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { ok: false, reason: 'the electron package is not installed' };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : 'electron';
  const binary = env.ELECTRON_OVERRIDE_DIST_PATH
    ? path.join(env.ELECTRON_OVERRIDE_DIST_PATH, name)
    : path.join(packageDir, 'dist', name);
  if (existsSync(binary)) return { ok: true, path: binary };
  return {
    ok: false,
    reason: `the Electron binary was not downloaded (no ${binary}); on a machine with internet run \`npx install-electron\``,
  };
}
