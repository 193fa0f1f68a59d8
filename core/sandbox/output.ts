// Output of a sandboxed command, kept up to a size: a command printing without end must not
// fill the engine's memory.
import { Writable } from 'node:stream';

export const DEFAULT_MAX_OUTPUT = 256 * 1024;

export class CappedOutput extends Writable {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(private readonly max: number) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    const room = this.max - this.kept;
    if (room > 0) {
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.chunks.push(part);
      this.kept += part.length;
    }
    this.dropped += Math.max(0, chunk.length - Math.max(room, 0));
    done();
  }

  text(): string {
    const body = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped > 0 ? `${body}\n… ${this.dropped} more bytes of output were cut` : body;
  }
}
