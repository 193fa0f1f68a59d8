// The design tokens, written once: the stylesheet reads them as custom properties (--bg, --fg, …),
// Monaco and xterm get the same colours as their own themes, so the editor and the terminal look
// like the rest of the window in light and in dark.
import { useEffect, useState } from 'react';
import { useLayout } from './stores/layout-store.ts';

const light = {
  bg: '#ffffff',
  bgSide: '#f6f7f9',
  bgBar: '#eceef2',
  bgElev: '#ffffff',
  bgInput: '#ffffff',
  bgHover: '#e9ecf0',
  bgActive: '#dce7f7',
  fg: '#1f2328',
  fgMuted: '#59636e',
  border: '#d6dbe1',
  borderStrong: '#b7bfc8',
  accent: '#0a62cc',
  accentFg: '#ffffff',
  accentText: '#0a5bbd',
  good: '#1a7f37',
  bad: '#c0202d',
  warn: '#8a5a00',
  status: '#0a62cc',
  statusFg: '#ffffff',
  shadow: 'rgb(15 23 42 / 18%)',
  addBg: '#e6f4ea',
  delBg: '#fbe9eb',
  terminalBg: '#fbfbfc',
};

export type Tokens = typeof light;

const dark: Tokens = {
  bg: '#1e1f23',
  bgSide: '#18191c',
  bgBar: '#121315',
  bgElev: '#26282d',
  bgInput: '#1a1b1f',
  bgHover: '#2c2f35',
  bgActive: '#243a5c',
  fg: '#e3e5e8',
  fgMuted: '#a0a7b1',
  border: '#30333a',
  borderStrong: '#464a53',
  accent: '#2f6fd6',
  accentFg: '#ffffff',
  accentText: '#79b0ff',
  good: '#5cc97a',
  bad: '#ff7b7b',
  warn: '#e5b94e',
  status: '#1f4f99',
  statusFg: '#ffffff',
  shadow: 'rgb(0 0 0 / 45%)',
  addBg: '#1d3326',
  delBg: '#3b2024',
  terminalBg: '#161719',
};

export const TOKENS = { light, dark };

export function tokensOf(isDark: boolean): Tokens {
  return isDark ? dark : light;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Writes the theme's tokens onto the root element, where every rule of the stylesheet reads them. */
export function applyTokens(isDark: boolean): void {
  const root = document.documentElement;
  for (const [name, value] of Object.entries(tokensOf(isDark))) root.style.setProperty(`--${kebab(name)}`, value);
  root.style.colorScheme = isDark ? 'dark' : 'light';
  root.dataset.theme = isDark ? 'dark' : 'light';
}

/** Whether the window is dark: the user's choice, or the system's when they chose "system". */
export function useDark(): boolean {
  const theme = useLayout((s) => s.theme);
  const [systemDark, setSystemDark] = useState(() => window.matchMedia('(prefers-color-scheme: dark)').matches);
  useEffect(() => {
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    const changed = () => setSystemDark(query.matches);
    query.addEventListener('change', changed);
    return () => query.removeEventListener('change', changed);
  }, []);
  return theme === 'dark' || (theme === 'system' && systemDark);
}

/** xterm's colours from the tokens: its background, text, cursor and selection follow the window. */
export function terminalTheme(isDark: boolean) {
  const t = tokensOf(isDark);
  return {
    background: t.terminalBg,
    foreground: t.fg,
    cursor: t.accentText,
    cursorAccent: t.terminalBg,
    selectionBackground: isDark ? '#35517d' : '#c8daf5',
    // The ANSI colours readable on either background.
    ...(isDark
      ? {
          black: '#3b3e45',
          red: '#ff7b7b',
          green: '#5cc97a',
          yellow: '#e5b94e',
          blue: '#79b0ff',
          magenta: '#d69cf5',
          cyan: '#5ccfe6',
          white: '#d7dae0',
          brightBlack: '#6b717c',
        }
      : {
          black: '#24292f',
          red: '#c0202d',
          green: '#1a7f37',
          yellow: '#8a5a00',
          blue: '#0a5bbd',
          magenta: '#8a3ab9',
          cyan: '#1b7c83',
          white: '#6e7781',
          brightBlack: '#57606a',
        }),
  };
}
