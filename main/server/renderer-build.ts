/**
 * Browser mode serves the built renderer. It is built at install time (`npm ci` runs the `prepare` script, i.e.
 * `npm run build`), so nothing at run time needs vite, a devDependency.
 */
import fs from 'node:fs';
import path from 'node:path';
import { rendererDir as resolvedRendererDir } from '../core/resources.ts';

export const RENDERER_OUT = resolvedRendererDir();

export function rendererDir(dir = RENDERER_OUT): string {
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`the app's web files are not built (${path.join(dir, 'index.html')} is missing): run "npm run build" (npm ci does it)`);
  }
  return dir;
}
