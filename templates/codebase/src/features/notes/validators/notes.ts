// Input and output schemas of the notes functions, named `<function>Input` / `<function>Output`
// so the engine uses them for validation and the API docs.
import { z } from 'zod';

export const noteSchema = z.object({
  id: z.string(),
  title: z.string(),
  body: z.string(),
  createdAt: z.date(),
});

export const listNotesOutput = z.array(noteSchema);

export const getNoteInput = z.object({ id: z.string().min(1) });
export const getNoteOutput = noteSchema;

export const createNoteInput = z.object({
  title: z.string().min(1).max(200),
  body: z.string().max(10_000).default(''),
});
export const createNoteOutput = noteSchema;
