// A folder given to `branch new` that holds files nobody can read is refused as the caller's
// input, naming the file, rather than failing as an engine fault (a 500 through serve).
import { describe, expect, it } from 'vitest';
import { readOverlayDir } from './overlay-dir.ts';

describe('readOverlayDir on a folder it cannot read whole', () => {
  it('names the file that cannot be read, as an input error', async () => {
    // /proc/self: files that refuse a plain read (EINVAL), as the issue found through serve.
    await expect(readOverlayDir('/proc/self')).rejects.toMatchObject({
      kind: 'InvalidInputError',
      // Named as the API names the input; the CLI says its flag (core/cli/output.ts).
      message: expect.stringMatching(/^dir \/proc\/self: \S+ cannot be read \(E[A-Z]+/),
      field: 'dir',
    });
  });
});
