// Electron's entry (package.json "main"): the engine is TypeScript run as it is (its files find
// their neighbours by import.meta.url, so it is never bundled), through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
