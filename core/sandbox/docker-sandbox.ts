// A throw-away container per command: no network (not even loopback to the host), memory with
// no swap beyond it, CPUs, process count, a read-only root and a wall-clock limit. The working
// tree is a fresh copy; the engine's packages are shared read-only. Never runs as root, except a
// supervised command: root with only the capabilities to switch users and end processes, so the
// code it runs as the ordinary user can neither signal, trace nor write to it.
import type Docker from 'dockerode';
import { BranchyardError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import { connectDocker, ENGINE_MODULES, ensureBaseImage, NODE_IN_IMAGE, withTimeout } from '../runtime/index.ts';
import { CappedOutput, DEFAULT_MAX_OUTPUT } from './output.ts';
import type { Sandbox, SandboxLayout, SandboxLimits, SandboxResult, SandboxRun } from './types.ts';
import type { SandboxServer, ServeOptions } from './served.ts';
import { serveInContainer } from './served.ts';
import { copyTree } from './work-copy.ts';

const LAYOUT: Omit<SandboxLayout, 'untrusted'> = {
  work: '/work',
  engineModules: '/engine/node_modules',
  tools: '/engine/tools',
  node: NODE_IN_IMAGE,
};
const LABEL = 'dev.branchyard.sandbox';

export class DockerSandbox implements Sandbox {
  readonly isolation = 'container' as const;

  private constructor(
    private readonly docker: Docker,
    private readonly image: string,
    readonly limits: SandboxLimits,
  ) {}

  static async open(options: {
    env?: NodeJS.ProcessEnv;
    limits: SandboxLimits;
    image?: string | null;
    events?: EventBus;
  }): Promise<DockerSandbox> {
    const docker = await connectDocker(options.env);
    return new DockerSandbox(docker, options.image ?? (await ensureBaseImage(docker, options.events)), options.limits);
  }

  serve(options: ServeOptions): Promise<SandboxServer> {
    return serveInContainer(this.docker, this.image, this.limits, options);
  }

  async run(options: SandboxRun): Promise<SandboxResult> {
    if (options.stdin !== undefined)
      throw new Error('the Docker sandbox gives a command no stdin: its output is out of reach of the code it runs');
    const uid = process.getuid?.() ?? 65534;
    // As root, the command runs as nobody, which then owns its copy.
    const user = uid === 0 ? 65534 : uid;
    const group = uid === 0 ? 65534 : (process.getgid?.() ?? user);
    const copy = await copyTree(options.from, uid === 0 ? 65534 : undefined);
    const layout: SandboxLayout = { ...LAYOUT, untrusted: options.supervised ? { uid: user, gid: group } : null };
    const started = performance.now();
    let container: Docker.Container | undefined;
    try {
      container = await this.docker.createContainer({
        Image: this.image,
        User: options.supervised ? '0:0' : `${user}:${group}`,
        Cmd: options.command(layout),
        WorkingDir: LAYOUT.work,
        Env: ['HOME=/tmp', 'NODE_ENV=test', ...Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`)],
        Labels: { [LABEL]: 'true' },
        NetworkDisabled: true,
        HostConfig: {
          NetworkMode: 'none',
          Memory: this.limits.memoryMb * 1024 * 1024,
          MemorySwap: this.limits.memoryMb * 1024 * 1024,
          NanoCpus: Math.round(this.limits.cpus * 1e9),
          PidsLimit: this.limits.pids,
          ReadonlyRootfs: true,
          CapDrop: ['ALL'],
          // Switching to the untrusted user, and ending every process it left before the next.
          ...(options.supervised ? { CapAdd: ['SETUID', 'SETGID', 'KILL'] } : {}),
          SecurityOpt: ['no-new-privileges'],
          Tmpfs: { '/tmp': 'rw,mode=1777,size=512m' },
          Binds: [
            `${copy.dir}:${LAYOUT.work}:rw`,
            `${ENGINE_MODULES}:${LAYOUT.engineModules}:ro`,
            ...(options.tools ? [`${options.tools}:${LAYOUT.tools}:ro`] : []),
          ],
        },
      });
      const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
      const stdout = new CappedOutput(max);
      const stderr = new CappedOutput(max);
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      container.modem.demuxStream(stream, stdout, stderr);
      const ended = new Promise<void>((resolve) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
      });
      await container.start();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        container?.kill().catch(() => undefined);
      }, options.timeoutMs);
      const waited = (await container.wait().finally(() => clearTimeout(timer))) as { StatusCode: number };
      await withTimeout(ended, 5000, 'the output of the sandbox did not end').catch(() => undefined);
      const state = (await container.inspect()).State;
      return {
        exitCode: timedOut ? null : waited.StatusCode,
        stdout: stdout.text(),
        stderr: stderr.text(),
        timedOut,
        outOfMemory: state.OOMKilled || (!timedOut && waited.StatusCode === 137),
        durationMs: performance.now() - started,
        isolation: 'container',
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code && ['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE'].includes(code)) {
        throw new BranchyardError(
          'RuntimeUnavailableError',
          `the Docker engine stopped answering while running a sandboxed command (${code}); start it again`,
          { cause: error },
        );
      }
      throw error;
    } finally {
      await container?.remove({ force: true }).catch(() => undefined);
      await copy.dispose();
    }
  }
}
