// The inputs many procedures share. A branch comes as 7, '7' or '00007'; the engine parses it once.
import { z } from 'zod';

export const branchNumber = z.union([z.string(), z.number()]);
export const codebaseInput = z.object({ codebase: z.string() });
export const branchInput = z.object({ codebase: z.string(), branch: branchNumber });
