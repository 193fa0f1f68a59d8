// Where notes are kept. The example keeps them in memory so it runs with no database; a
// feature backed by the shared database writes its drizzle queries here instead.
import type { Note } from '../models/note.ts';

const notes = new Map<string, Note>();

export function insertNote(note: Note): Note {
  notes.set(note.id, note);
  return note;
}

export function findNote(id: string): Note | undefined {
  return notes.get(id);
}

export function allNotes(): Note[] {
  return [...notes.values()].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}
