/**
 * Glimpse up to schema 6 kept user work in the cache folder: models refitted on the library in `<cache>/models` and
 * the settings in `<cache>/settings.json`, so clearing the cache lost them. At start-up this moves them to where they
 * belong (models to the data folder, settings into the database). Idempotent, and safe to kill at any point: the
 * models move with one rename, and settings are saved before their file is deleted (already-saved keys win).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SettingsRepo } from '../store/settings-repo.ts';

export function moveUserDataOutOfCache(o: { cacheDir: string; dataDir: string; settings: SettingsRepo }): string[] {
  const moved: string[] = [];
  const oldModels = path.join(o.cacheDir, 'models');
  const newModels = path.join(o.dataDir, 'models');
  if (fs.existsSync(oldModels) && !fs.existsSync(newModels)) {
    fs.mkdirSync(o.dataDir, { recursive: true });
    try {
      fs.renameSync(oldModels, newModels);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      // Another file system: copy to a temporary name, then rename, so a half copy is never taken for the models.
      const tmp = `${newModels}.moving`;
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.cpSync(oldModels, tmp, { recursive: true });
      fs.renameSync(tmp, newModels);
      fs.rmSync(oldModels, { recursive: true, force: true });
    }
    moved.push(`models → ${newModels}`);
  }
  const oldSettings = path.join(o.cacheDir, 'settings.json');
  if (fs.existsSync(oldSettings)) {
    let old: Record<string, unknown> = {};
    try {
      old = JSON.parse(fs.readFileSync(oldSettings, 'utf8')) as Record<string, unknown>;
    } catch {
      /* unreadable: nothing to keep */
    }
    const saved = o.settings.all();
    const keep = Object.fromEntries(['k', 'family'].filter((k) => k in old && !(k in saved)).map((k) => [k, old[k]]));
    o.settings.save(keep);
    fs.rmSync(oldSettings, { force: true });
    moved.push('settings → database');
  }
  return moved;
}
