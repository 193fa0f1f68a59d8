// The notes API. Every exported function here becomes a route: GET for names starting with
// get/list/find/search, POST for the rest (GET /notes/list-notes, POST /notes/create-note, …).
import type { Note } from '../models/note.ts';
import { addNote, noteById, notesNewestLast } from '../services/notes-service.ts';

/** Every note, oldest first. */
export function listNotes(): Note[] {
  return notesNewestLast();
}

/** One note by its id; 404 when there is none. */
export function getNote(input: { id: string }): Note {
  return noteById(input.id);
}

/** Adds a note and returns it with its new id. */
export function createNote(input: { title: string; body?: string }): Note {
  return addNote(input.title, input.body ?? '');
}
