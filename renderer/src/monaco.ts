// Monaco, bundled with the renderer and never fetched from a CDN: the editor core, the syntax
// of the languages a branch holds, and its one web worker. `@monaco-editor/react` is pointed at
// this copy instead of its default loader, which would fetch from jsDelivr.
import { loader } from '@monaco-editor/react';
import * as monaco from 'monaco-editor/editor/editor.api';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import 'monaco-editor/languages/definitions/typescript/register';
import 'monaco-editor/languages/definitions/javascript/register';
import 'monaco-editor/languages/definitions/markdown/register';
import 'monaco-editor/languages/definitions/sql/register';

// Monaco's icon font, declared in a stylesheet its package does not export: added by hand.
import codiconFont from '../../node_modules/monaco-editor/esm/vs/base/browser/ui/codicons/codicon/codicon.ttf?url';

self.MonacoEnvironment = { getWorker: () => new EditorWorker() };
loader.config({ monaco });
void new FontFace('codicon', `url(${codiconFont})`).load().then((font) => document.fonts.add(font), () => undefined);

export function languageOf(file: string): string {
  if (file.endsWith('.ts') || file.endsWith('.tsx')) return 'typescript';
  if (file.endsWith('.js') || file.endsWith('.mjs') || file.endsWith('.cjs')) return 'javascript';
  if (file.endsWith('.json')) return 'json';
  if (file.endsWith('.md')) return 'markdown';
  if (file.endsWith('.sql')) return 'sql';
  return 'plaintext';
}
