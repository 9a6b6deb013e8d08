import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

// Relative base: the same build loads from file:// in Electron and from the loopback server in browser mode.
export default defineConfig({
  root: here,
  base: './',
  plugins: [svelte()],
  build: { outDir: path.join(here, '..', 'out', 'renderer'), emptyOutDir: true, target: 'es2022' },
});
