// The window's layout: the tab shown in the middle, the theme (kept between sessions), and the
// command palette.
import { create } from 'zustand';

export const TABS = [
  { id: 'chat', label: 'Chat' },
  { id: 'branch', label: 'Branch' },
  { id: 'diff', label: 'Diff' },
  { id: 'files', label: 'Files' },
  { id: 'terminal', label: 'Terminal' },
  { id: 'logs', label: 'Logs' },
  { id: 'settings', label: 'Settings' },
] as const;
export type TabId = (typeof TABS)[number]['id'];
export type Theme = 'system' | 'light' | 'dark';

const THEME_KEY = 'branchyard.theme';

interface LayoutState {
  tab: TabId;
  theme: Theme;
  paletteOpen: boolean;
  setTab(tab: TabId): void;
  setTheme(theme: Theme): void;
  setPalette(open: boolean): void;
}

const saved = (() => {
  try {
    const value = localStorage.getItem(THEME_KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
})();

export const useLayout = create<LayoutState>((set) => ({
  tab: 'chat',
  theme: saved,
  paletteOpen: false,
  setTab: (tab) => set({ tab }),
  setTheme(theme) {
    try {
      localStorage.setItem(THEME_KEY, theme);
    } catch {
      // storage may be off; the choice then lasts until the window closes
    }
    set({ theme });
  },
  setPalette: (paletteOpen) => set({ paletteOpen }),
}));
