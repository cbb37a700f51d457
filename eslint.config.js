// The rules of the house, enforced (ARCHITECTURE.md, "Rooms and their doors"): each room imports only what
// its allow-list names, nothing imports in a circle, only electron/main and electron/preload touch Electron,
// and the renderer has no Node. Prettier formats the code (`npm run format`); `npm test` checks both.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import kaituhi from './build/lint/no-import-cycles.js';

/**
 * What each room under electron/ may import, besides itself, npm packages and node: modules: `imports` by
 * value, `types` with `import type` only. Everything else under electron/ is refused.
 */
const ROOMS = {
  common: { imports: [], types: [] },
  disk: { imports: ['common'], types: [] },
  engine: { imports: ['common'], types: [] },
  drafts: { imports: ['common', 'disk'], types: ['engine'] },
  store: { imports: ['common', 'disk'], types: ['engine'] },
  shared: { imports: ['common'], types: ['engine', 'drafts', 'store'] },
  services: { imports: ['common', 'disk', 'engine', 'drafts', 'store', 'shared'], types: [] },
  server: { imports: ['common', 'shared', 'services'], types: [] },
  main: { imports: ['common', 'shared', 'services', 'engine', 'server'], types: [] },
  preload: { imports: ['common', 'shared'], types: [] },
  cli: { imports: ['common', 'disk', 'engine', 'drafts', 'store', 'shared', 'services', 'server'], types: [] },
};
const ROOM_NAMES = Object.keys(ROOMS);
const map = 'see ARCHITECTURE.md, "Rooms and their doors"';

function roomDoors(room) {
  const { imports, types } = ROOMS[room];
  const allowed = `electron/${room} imports ${imports.length ? `only itself and electron/{${imports.join(',')}}` : 'only itself'}${types.length ? `, and types from electron/{${types.join(',')}}` : ''} (${map})`;
  const refused = ROOM_NAMES.filter((other) => other !== room && !imports.includes(other));
  return [
    ...refused.map((other) => ({
      group: [`**/${other}/**`, `**/electron/${other}/**`],
      ...(types.includes(other) ? { allowTypeImports: true } : {}),
      message: allowed,
    })),
    { group: ['**/renderer/**', '**/test/**', '**/scripts/**'], message: allowed },
  ];
}

const noElectron = { name: 'electron', message: `Only electron/main and electron/preload import electron (${map}).` };

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'release/**', 'scratch/**', 'test/.fixtures/**', 'models/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { kaituhi },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'kaituhi/no-import-cycles': 'error',
    },
  },
  {
    // One class-privacy style: JavaScript's own #private, which holds at run time too.
    files: ['electron/**', 'renderer/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...[
          "PropertyDefinition[accessibility='private']",
          "MethodDefinition[accessibility='private'][kind!='constructor']",
          "TSParameterProperty[accessibility='private']",
        ].map((selector) => ({ selector, message: 'Use #private for private class members (one style, enforced at run time).' })),
      ],
    },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.{js,mjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  ...ROOM_NAMES.map((room) => ({
    files: [`electron/${room}/**`],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: room === 'main' || room === 'preload' ? [] : [noElectron],
          patterns: [
            ...roomDoors(room),
            ...(room === 'common' ? [{ group: ['node:*'], message: `electron/common is pure: no node: modules, no DOM (${map}).` }] : []),
          ],
        },
      ],
    },
  })),
  {
    // Pure code every room may import, the renderer included: neither Node's globals nor the browser's.
    files: ['electron/common/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['process', 'Buffer', '__dirname', 'require', 'window', 'document', 'navigator', 'localStorage', 'location'].map((name) => ({
          name,
          message: `electron/common is pure: no Node and no DOM (${map}).`,
        })),
      ],
    },
  },
  {
    // Unit and DOM tests run without a browser or a server; what they share with e2e lives in test/support.
    files: ['test/unit/**', 'test/dom/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['**/e2e/**'], message: 'Unit and DOM tests do not import e2e code; shared helpers live in test/support.' }],
        },
      ],
    },
  },
  {
    files: ['renderer/**'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: `The renderer has no Node: it talks to the API (${map}).` }],
          patterns: [
            { group: ['node:*'], message: `The renderer has no Node (${map}).` },
            {
              group: ROOM_NAMES.filter((room) => room !== 'common' && room !== 'shared').map((room) => `**/electron/${room}/**`),
              message: `The renderer imports electron/common, and only types from electron/shared (${map}).`,
            },
            {
              group: ['**/electron/shared/**'],
              allowTypeImports: true,
              message: `The renderer imports only types from electron/shared (use import type; ${map}).`,
            },
          ],
        },
      ],
    },
  },
);
