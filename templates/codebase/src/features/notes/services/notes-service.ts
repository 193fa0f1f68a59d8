// The notes feature's rules, apart from transport and storage.
import { NotFoundError } from '../../../shared/errors/index.ts';
import { newId, now } from '../../../shared/utils/index.ts';
import type { Note } from '../models/note.ts';
import { allNotes, findNote, insertNote } from '../queries/notes-queries.ts';

export function addNote(title: string, body: string): Note {
  return insertNote({ id: newId(), title: title.trim(), body, createdAt: now() });
}

export function noteById(id: string): Note {
  const note = findNote(id);
  if (!note) throw new NotFoundError('note', id);
  return note;
}

export function notesNewestLast(): Note[] {
  return allNotes();
}
