// Lint: the runtime boundaries of docs/ARCHITECTURE.md, enforced (VS Code's "code by runtime" layering).
//   renderer/ and shared/ never import main/; only main/electron/ imports electron; nothing that runs in the
//   product imports tests/ or a devDependency (those are absent after `npm prune --omit=dev`).
import tseslint from 'typescript-eslint';

const DEV_ONLY = ['vite', 'vite/*', 'electron-vite', 'electron-builder', 'playwright-core', 'svelte-check', 'typescript', '@sveltejs/*'];
const rule = (patterns) => ({ '@typescript-eslint/no-restricted-imports': ['error', { patterns }] });
const TESTS = { group: ['**/tests/**', '**/tests'], message: 'run-time code never imports tests/' };
const MAIN = {
  group: ['**/main/**', '**/main'],
  message: 'renderer/ and shared/ never import main/ (talk to the engine through shared/api.ts)',
};
const ELECTRON = {
  group: ['electron', 'electron/*'],
  message: 'only main/electron/ imports electron: the engine runs under plain Node too',
};
const DEV = { group: DEV_ONLY, message: 'a devDependency is not installed at run time' };

export default tseslint.config(
  {
    ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-output/**', 'bench-output/**', '.cache/**', 'tmp/**', '**/*.js', '**/*.svelte'],
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { ecmaVersion: 'latest', sourceType: 'module' } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      'no-debugger': 'error',
      'no-dupe-keys': 'error',
      'no-self-compare': 'error',
      'no-unreachable': 'error',
      // Prettier wraps code at 140; this catches what it cannot wrap (comments). Long strings and regexes stay whole.
      'max-len': ['error', { code: 140, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: rule([MAIN, ELECTRON, TESTS, DEV, { group: ['svelte', 'svelte/*'], message: 'shared/ is plain TypeScript' }]),
  },
  { files: ['renderer/**/*.ts'], ignores: ['renderer/vite.config.ts'], rules: rule([MAIN, ELECTRON, TESTS]) },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/electron/**'],
    rules: {
      ...rule([ELECTRON, TESTS, DEV]),
      // the same for `await import(...)`, which no-restricted-imports does not see
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'ImportExpression[source.value=/^(vite|electron-vite|electron-builder|playwright-core|svelte-check|typescript|electron)$/]',
          message: 'a devDependency (or electron) is not importable at run time',
        },
        { selector: 'ImportExpression[source.value=/\\/tests\\//]', message: 'run-time code never imports tests/' },
      ],
    },
  },
  { files: ['main/electron/**/*.ts'], rules: rule([TESTS, DEV]) },
  { files: ['resources/**/*.ts'], rules: rule([TESTS]) },
);
