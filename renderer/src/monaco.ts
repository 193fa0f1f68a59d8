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

function define(name: string, base: 'vs' | 'vs-dark', t: Tokens, diff: { insert: string; remove: string }): void {
  monaco.editor.defineTheme(name, {
    base,
    inherit: true,
    rules: [],
    colors: {
      'editor.background': t.bg,
      'editor.foreground': t.fg,
      'editorGutter.background': t.bg,
      'editorLineNumber.foreground': t.fgMuted,
      'editorLineNumber.activeForeground': t.fg,
      'editor.lineHighlightBackground': t.bgHover,
      'editor.lineHighlightBorder': '#00000000',
      'editorWidget.background': t.bgElev,
      'editorWidget.border': t.border,
      'input.background': t.bgInput,
      'focusBorder': t.accent,
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
define('branchyard-light', 'vs', TOKENS.light, { insert: '#9ed8ad80', remove: '#f2a7ae80' });
define('branchyard-dark', 'vs-dark', TOKENS.dark, { insert: '#3f8a5666', remove: '#a3404c66' });

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
