// The import boundaries of CONVENTIONS.md §1 are lint rules, not habits:
// core is plain Node and never reaches into electron/ or renderer/; renderer takes only types from core.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import coreLayers from './eslint-rules/core-layers.js';
import productWords from './eslint-rules/product-words.js';

/** Our own rules, one plugin object for every block that uses them. */
const branchyard = { rules: { 'core-layers': coreLayers, 'product-words': productWords } };

const coreBoundary = {
  group: ['**/electron/**', '**/renderer/**', 'electron'],
  message: 'core/ is plain Node.js: it must not import electron/ or renderer/ (CONVENTIONS.md §1).',
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'core/store/migrations/**', 'templates/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [coreBoundary] }] },
  },
  {
    // Floors and index-only imports between core parts, checked wherever an import is written.
    files: ['core/**/*.ts', 'bench/**/*.ts', 'e2e/**/*.ts', 'scripts/**/*.ts', 'electron/**/*.ts'],
    plugins: { branchyard },
    rules: { 'branchyard/core-layers': 'error' },
  },
  {
    // Core's strings speak of the product; the CLI words hints as commands (issue 18).
    files: ['core/**/*.ts'],
    plugins: { branchyard },
    rules: { 'branchyard/product-words': 'error' },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/core/**', '**/electron/**'],
              allowTypeImports: true,
              message:
                'renderer/ may import only types from core (CONVENTIONS.md §1); call the engine through the tRPC client.',
            },
          ],
        },
      ],
    },
  },
);
