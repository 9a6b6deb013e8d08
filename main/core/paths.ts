/**
 * Where Glimpse keeps its data. The CLI and the desktop app must agree on this without Electron
 * (the CLI never loads it), so this mirrors Electron's `app.getPath('userData')` for an app named "Glimpse".
 */
import os from 'node:os';
import path from 'node:path';

export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.GLIMPSE_HOME) return path.resolve(env.GLIMPSE_HOME);
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Glimpse');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Glimpse');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Glimpse');
}

export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.GLIMPSE_DB ? path.resolve(env.GLIMPSE_DB) : path.join(userDataDir(env), 'glimpse.db');
}

/**
 * User work that is not in the database (models refitted on this library) lives beside it in `<name>-data`; caches
 * (posters, frames) in `<name>-cache`, which "clear cache" or a person may delete without losing anything.
 * Both sit beside the database so that `--db` on a temp file keeps tests and libraries apart.
 */
export function dataDirFor(dbPath: string): string {
  return path.join(path.dirname(path.resolve(dbPath)), `${path.basename(dbPath, path.extname(dbPath))}-data`);
}

/** Regenerable files only: posters and frame JPEGs. */
export function cacheDirFor(dbPath: string): string {
  return path.join(path.dirname(path.resolve(dbPath)), `${path.basename(dbPath, path.extname(dbPath))}-cache`);
}

/** Whether `child` lies below the folder `parent` (both absolute; `/a/bc` is not below `/a/b`). */
export function isBelow(child: string, parent: string): boolean {
  return child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
}
