// The window's layout: which view the centre and the bottom panel show, the theme (kept between
// sessions), and the dialogs open. Panel sizes are kept by the panels themselves (see shell/).
import { create } from 'zustand';

/** Every view, where it lives, and its Alt+digit: the centre's work first, the bottom panel's after. */
export const VIEWS = [
  { id: 'chat', label: 'Chat', area: 'centre' },
  { id: 'branch', label: 'Branch', area: 'centre' },
  { id: 'diff', label: 'Diff', area: 'centre' },
  { id: 'files', label: 'Files', area: 'centre' },
  { id: 'api', label: 'API', area: 'centre' },
  { id: 'terminal', label: 'Terminal', area: 'bottom' },
  { id: 'logs', label: 'Logs', area: 'bottom' },
  { id: 'activity', label: 'Activity', area: 'bottom' },
  { id: 'problems', label: 'Problems', area: 'bottom' },
  { id: 'audit', label: 'Audit', area: 'bottom' },
  { id: 'settings', label: 'Settings', area: 'centre' },
] as const;
export type ViewId = (typeof VIEWS)[number]['id'];
export type CentreView = Extract<(typeof VIEWS)[number], { area: 'centre' }>['id'];
export type BottomView = Extract<(typeof VIEWS)[number], { area: 'bottom' }>['id'];
export type Theme = 'system' | 'light' | 'dark';

/** The shortcut of a view: Alt+1…9 by position, Settings on Ctrl+, as in most editors. */
export function shortcutOf(id: ViewId): string {
  if (id === 'settings') return 'Ctrl+,';
  const place = VIEWS.findIndex((v) => v.id === id) + 1;
  // Only Alt+1…9 exist; a view past the ninth is reached from the command palette.
  return place <= 9 ? `Alt+${place}` : `Ctrl+K, Show ${VIEWS[place - 1]!.label}`;
}

export const areaOf = (id: ViewId) => VIEWS.find((v) => v.id === id)!.area;

const THEME_KEY = 'branchyard.theme';
const BOTTOM_KEY = 'branchyard.bottom-view';

interface LayoutState {
  tab: CentreView;
  bottom: BottomView;
  theme: Theme;
  paletteOpen: boolean;
  pickerOpen: boolean;
  /** Shows a view: a centre tab, or a bottom-panel tab (the panel opens if it was collapsed). */
  show(view: ViewId): void;
  setTheme(theme: Theme): void;
  setPalette(open: boolean): void;
  setPicker(open: boolean): void;
}

function stored<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  try {
    const value = localStorage.getItem(key);
    return allowed.find((a) => a === value) ?? fallback;
  } catch {
    return fallback;
  }
}

function store(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // storage may be off; the choice then lasts until the window closes
  }
}

/** Set by the shell: opens a collapsed panel. Kept out of the state, which holds no functions of views. */
let expandBottom: () => void = () => undefined;
export function onExpandBottom(expand: () => void): void {
  expandBottom = expand;
}

export const useLayout = create<LayoutState>((set) => ({
  tab: 'chat',
  bottom: stored<BottomView>(BOTTOM_KEY, ['terminal', 'logs', 'activity', 'problems', 'audit'], 'terminal'),
  theme: stored<Theme>(THEME_KEY, ['system', 'light', 'dark'], 'system'),
  paletteOpen: false,
  pickerOpen: false,
  show(view) {
    const found = VIEWS.find((v) => v.id === view)!;
    if (found.area === 'centre') return set({ tab: found.id });
    store(BOTTOM_KEY, found.id);
    set({ bottom: found.id });
    expandBottom();
  },
  setTheme(theme) {
    store(THEME_KEY, theme);
    set({ theme });
  },
  setPalette: (paletteOpen) => set({ paletteOpen }),
  setPicker: (pickerOpen) => set({ pickerOpen }),
}));
