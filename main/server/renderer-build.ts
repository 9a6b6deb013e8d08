/** Browser mode serves the built renderer; build it on first use so `npx glimpse serve` works after `npm ci`. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RENDERER_OUT = path.join(projectRoot, 'out', 'renderer');

export async function ensureRendererBuilt(): Promise<string> {
  if (fs.existsSync(path.join(RENDERER_OUT, 'index.html'))) return RENDERER_OUT;
  process.stderr.write('building the renderer (first run)...\n');
  // Known violation (issue "The desktop app as it ships"): `glimpse serve` still builds the renderer with vite, a
  // devDependency, on first use; that issue moves the build to install time. Lint allows this one line only.
  // eslint-disable-next-line no-restricted-syntax
  const vite = await import('vite');
  await vite.build({ configFile: path.join(projectRoot, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  return RENDERER_OUT;
}
