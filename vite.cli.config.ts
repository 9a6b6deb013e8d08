/**
 * The compiled run time of everything that is not the Electron window: the `glimpse` CLI (and with it the engine
 * and `glimpse serve`) and the worker threads it starts, as plain ESM JavaScript for Node 20 in out/cli/.
 * `npm run build` runs it (and `npm ci` runs that), so the installed command never needs tsx or vite.
 *
 * SSR (library) mode keeps the packages in node_modules external (except pure-JS zod, see `ssr`): natives (better-sqlite3), wasm and model
 * packages load their own files relative to themselves, and a devDependency imported by mistake stays an import
 * that fails after `npm prune --omit=dev` — which tests/packaging/prune.test.ts checks.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  // No public/ copy, no .env loading: this is a Node bundle.
  publicDir: false,
  envDir: false,
  logLevel: 'warn',
  // zod is pure JS spread over ~100 ES modules: bundled, it costs one file read instead of a module-graph walk at
  // every start (`glimpse --help` and `search` are budgeted at 0.5 s).
  ssr: { noExternal: ['zod'] },
  build: {
    ssr: true,
    target: 'node20',
    outDir: path.join(here, 'out', 'cli'),
    emptyOutDir: true,
    minify: false,
    sourcemap: false,
    reportCompressedSize: false,
    rollupOptions: {
      // The workers are entries of their own so that each is a file beside glimpse.js (core/resources.ts finds them).
      input: {
        glimpse: path.join(here, 'main', 'cli', 'main.ts'),
        'cnn-worker': path.join(here, 'main', 'ml', 'cnn-worker.ts'),
        'train-worker': path.join(here, 'main', 'ml', 'train-worker.ts'),
        // the engine's own process (main/host), for any Node parent of the compiled build
        'engine-host': path.join(here, 'main', 'host', 'engine-host.ts'),
      },
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
