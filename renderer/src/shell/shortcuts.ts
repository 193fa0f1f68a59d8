// The window's keyboard shortcuts, in one place: the window listens for them, and the terminal
// hands them back instead of sending them to its shell (Alt+6 is a view, not a key for bash).
import { useLayout, VIEWS } from '../stores/layout-store.ts';

/** What a key press does in the window, or null when it is not one of the window's shortcuts. */
export function appShortcut(event: KeyboardEvent): (() => void) | null {
  const mod = event.ctrlKey || event.metaKey;
  const key = event.key.toLowerCase();
  const layout = useLayout.getState();
  if (mod && !event.altKey && (key === 'k' || (event.shiftKey && key === 'p')))
    return () => layout.setPalette(!layout.paletteOpen);
  if (mod && !event.altKey && !event.shiftKey && key === ',') return () => layout.show('settings');
  // By the key's place, not its character: Alt+digit types other characters on some layouts.
  const digit = /^Digit([1-9])$/.exec(event.code)?.[1] ?? (/^[1-9]$/.test(event.key) ? event.key : undefined);
  if (event.altKey && !mod && digit) {
    const view = VIEWS[Number(digit) - 1];
    if (view) return () => layout.show(view.id);
  }
  return null;
}

/** Listens for the shortcuts on the whole window; returns what stops it. */
export function listenForShortcuts(): () => void {
  const onKey = (event: KeyboardEvent) => {
    const action = appShortcut(event);
    if (!action) return;
    event.preventDefault();
    action();
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}
