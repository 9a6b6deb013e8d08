import path from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';

// Native and wasm-backed packages stay external: they load from node_modules at run time.
const external = [
  'better-sqlite3',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  'nsfwjs',
  '@vladmandic/human',
  'tsx',
];

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        external,
        // The worker threads (CNNs, training) are their own entries so that it exists beside index.js in the build.
        input: {
          index: path.resolve('main/electron/index.ts'),
          'cnn-worker': path.resolve('main/ml/cnn-worker.ts'),
          'train-worker': path.resolve('main/ml/train-worker.ts'),
          // The engine's own process (utilityProcess.fork of engine-host.js, see main/electron/host-launcher.ts).
          'engine-host': path.resolve('main/host/engine-host.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { preload: path.resolve('main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [svelte()],
    build: { outDir: 'out/renderer', rollupOptions: { input: path.resolve('renderer/index.html') } },
  },
});
