// A command inside a running container (docker exec), with its output and exit code, bounded
// in time.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { withTimeout } from './docker.ts';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function execIn(
  container: Docker.Container,
  cmd: string[],
  options: { env?: string[]; timeoutMs?: number } = {},
): Promise<ExecResult> {
  const exec = await container.exec({ Cmd: cmd, Env: options.env, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  container.modem.demuxStream(stream, stdout, stderr);
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    }),
    options.timeoutMs ?? 60_000,
    `${cmd.join(' ')} did not finish within ${options.timeoutMs ?? 60_000} ms`,
  );
  const info = await exec.inspect();
  return { code: info.ExitCode ?? -1, stdout: out, stderr: err };
}
