// Monaco, bundled with the renderer and never fetched from a CDN: the editor core, the syntax
// of the languages a branch holds, its one web worker, and its icon font (codicons, bundled by
// Vite from the package's own stylesheet). `@monaco-editor/react` is pointed at this copy
// instead of its default loader, which would fetch from jsDelivr. Its two themes are the
// window's own tokens (theme.ts), so the editor matches the rest of the window.
import { loader } from '@monaco-editor/react';
import * as monaco from 'monaco-editor/editor/editor.api';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import 'monaco-editor/features/codicon/register';
import 'monaco-editor/features/diffEditor/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/folding/register';
import 'monaco-editor/languages/definitions/typescript/register';
import 'monaco-editor/languages/definitions/javascript/register';
import 'monaco-editor/languages/definitions/markdown/register';
import 'monaco-editor/languages/definitions/sql/register';
import { TOKENS } from './theme.ts';
import type { Tokens } from './theme.ts';

self.MonacoEnvironment = { getWorker: () => new EditorWorker() };
loader.config({ monaco });

/** Syntax colours that keep 4.5:1 against the editor and the diff's added and removed lines. */
const SYNTAX = {
  light: {
    comment: '3b6b2f',
    string: '9a1a1a',
    number: '0b5e3f',
    keyword: '0033b3',
    type: '1b5c70',
    identifier: '1f2328',
    function: '6b3d00',
    delimiter: '1f2328',
    regexp: '8a1f5a',
  },
  dark: {
    comment: '9cc98a',
    string: 'f0b48f',
    number: 'c4e3b0',
    keyword: '8cbfff',
    type: '7fdcc9',
    identifier: 'cfe6ff',
    function: 'efe3a8',
    delimiter: 'e3e5e8',
    regexp: 'f0a8d0',
  },
};

function define(name: string, base: 'vs' | 'vs-dark', t: Tokens, diff: { insert: string; remove: string }): void {
  const c = SYNTAX[base === 'vs' ? 'light' : 'dark'];
  monaco.editor.defineTheme(name, {
    base,
    inherit: true,
    rules: [
      { token: '', foreground: t.fg.slice(1) },
      { token: 'comment', foreground: c.comment },
      { token: 'string', foreground: c.string },
      { token: 'number', foreground: c.number },
      { token: 'keyword', foreground: c.keyword },
      { token: 'type', foreground: c.type },
      { token: 'type.identifier', foreground: c.type },
      { token: 'identifier', foreground: c.identifier },
      { token: 'variable', foreground: c.identifier },
      { token: 'function', foreground: c.function },
      { token: 'delimiter', foreground: c.delimiter },
      { token: 'operator', foreground: c.delimiter },
      { token: 'regexp', foreground: c.regexp },
      { token: 'tag', foreground: c.keyword },
      { token: 'attribute.name', foreground: c.type },
      { token: 'attribute.value', foreground: c.string },
    ],
    colors: {
      'editor.background': t.bg,
      'editor.foreground': t.fg,
      'editorGutter.background': t.bg,
      'editorLineNumber.foreground': t.fgMuted,
      'editorLineNumber.activeForeground': t.fg,
      'editorLineNumber.dimmedForeground': t.fgMuted,
      'editor.lineHighlightBackground': t.bgHover,
      'editor.lineHighlightBorder': '#00000000',
      'editorWidget.background': t.bgElev,
      'editorWidget.border': t.border,
      'input.background': t.bgInput,
      focusBorder: t.accent,
      'scrollbarSlider.background': `${t.borderStrong}88`,
      'diffEditor.insertedTextBackground': diff.insert,
      'diffEditor.removedTextBackground': diff.remove,
      'diffEditor.insertedLineBackground': t.addBg,
      'diffEditor.removedLineBackground': t.delBg,
      'diffEditor.border': t.border,
      'diffEditor.unchangedRegionBackground': t.bgSide,
    },
  });
}
define('branchyard-light', 'vs', TOKENS.light, { insert: '#b5e2c155', remove: '#f5bcc255' });
define('branchyard-dark', 'vs-dark', TOKENS.dark, { insert: '#3f8a5640', remove: '#a3404c40' });

export const monacoTheme = (dark: boolean) => (dark ? 'branchyard-dark' : 'branchyard-light');

/** What every read-only editor of the window shares: named for screen readers, sized to its box. */
export const readOnlyOptions = {
  readOnly: true,
  minimap: { enabled: false },
  automaticLayout: true,
  fontSize: 13,
  fontFamily: "ui-monospace, 'SF Mono', 'Cascadia Code', 'DejaVu Sans Mono', monospace",
  scrollBeyondLastLine: false,
  padding: { top: 8 },
} as const;

export function languageOf(file: string): string {
  if (file.endsWith('.ts') || file.endsWith('.tsx')) return 'typescript';
  if (file.endsWith('.js') || file.endsWith('.mjs') || file.endsWith('.cjs')) return 'javascript';
  if (file.endsWith('.json')) return 'json';
  if (file.endsWith('.md')) return 'markdown';
  if (file.endsWith('.sql')) return 'sql';
  return 'plaintext';
}

/**
 * What the diff viewer leaves out to open a long file fast: the diff is computed in the editor's
 * worker (never on the window's thread), and the decorations a read-only diff has no use for are off.
 */
export const diffOptions = {
  diffAlgorithm: 'advanced',
  maxComputationTime: 2000,
  renderOverviewRuler: false,
  occurrencesHighlight: 'off',
  selectionHighlight: false,
  renderValidationDecorations: 'off',
  codeLens: false,
  folding: false,
  stickyScroll: { enabled: false },
} as const;
