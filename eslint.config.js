// Room boundaries (see DESIGN.md §2) are enforced here: only electron/main and electron/preload may import
// 'electron'; the renderer may import nothing from the Node side except types from electron/shared.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const plainNodeRooms = [
  'electron/engine/**',
  'electron/drafts/**',
  'electron/store/**',
  'electron/server/**',
  'electron/services/**',
  'electron/shared/**',
  'electron/cli/**',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'release/**', 'scratch/**', 'test/.fixtures/**', 'models/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.{js,mjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: plainNodeRooms,
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Plain-Node rooms never import electron (DESIGN.md §2).' }] },
      ],
    },
  },
  {
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer has no Node: talk to the API (DESIGN.md §2).' }],
          patterns: [
            { group: ['node:*'], message: 'The renderer has no Node.' },
            {
              group: [
                '**/electron/main/**',
                '**/electron/engine/**',
                '**/electron/drafts/**',
                '**/electron/store/**',
                '**/electron/server/**',
                '**/electron/preload/**',
              ],
              message: 'The renderer imports only types from electron/shared.',
            },
            {
              group: ['**/electron/shared/**'],
              allowTypeImports: true,
              message: 'The renderer imports only types from electron/shared (use import type).',
            },
          ],
        },
      ],
    },
  },
);
