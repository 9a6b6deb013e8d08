/**
 * The browser-mode folder picker's server side (`fs.listFolders`). A page cannot open a native dialog, so the server
 * lists folders for it — only folders (never file names), and only inside the places a person would add a library
 * from: the home folder and the library's existing roots. The path is resolved through symlinks before that check, so
 * neither `..` nor a link can walk the picker out of those places. Async I/O only: the server thread never blocks.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FolderListing } from '../../shared/api.ts';
import { isBelow } from '../core/paths.ts';
import { EngineError } from './errors.ts';

/** More sub-folders than this are cut off (a folder of 100k folders must not stall the page). */
const MAX_FOLDERS = 1000;

async function real(p: string): Promise<string | null> {
  try {
    return await fs.realpath(p);
  } catch {
    return null;
  }
}

/** `places`: the home folder first, then library roots; `req.path` defaults to the home folder. */
export async function listFolders(req: { path?: string; hidden: boolean }, roots: string[]): Promise<FolderListing> {
  const candidates = [os.homedir(), ...roots];
  const places = [...new Set((await Promise.all(candidates.map(real))).filter((p): p is string => p !== null))];
  const asked = req.path ?? places[0];
  if (!asked) throw new EngineError('not_found', 'there is no home folder to start from');
  if (!path.isAbsolute(asked)) throw new EngineError('invalid', `use a full path (starting with ${path.sep}): “${asked}” is relative`);
  const where = await real(asked);
  if (!where) throw new EngineError('not_found', `folder not found: ${asked}`);
  const inside = (p: string) => places.some((pl) => p === pl || isBelow(p, pl));
  if (!inside(where)) throw new EngineError('forbidden', `only folders inside your home folder or a library folder can be listed`);

  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(where, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new EngineError('invalid', `not a folder: ${where}`);
    throw new EngineError('forbidden', `cannot read ${where} (${code ?? (e as Error).message})`);
  }
  const folders: FolderListing['folders'] = [];
  for (const d of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!req.hidden && d.name.startsWith('.')) continue;
    const full = path.join(where, d.name);
    let isDir = d.isDirectory();
    // A link is listed only when it points at a folder that is itself inside the allowed places.
    if (d.isSymbolicLink()) {
      const target = await real(full);
      isDir =
        !!target &&
        inside(target) &&
        (await fs.stat(target).then(
          (st) => st.isDirectory(),
          () => false,
        ));
    }
    if (isDir) folders.push({ name: d.name, path: full });
  }
  const parent = path.dirname(where);
  return {
    path: where,
    parent: parent !== where && inside(parent) ? parent : null,
    folders: folders.slice(0, MAX_FOLDERS),
    places,
    truncated: folders.length > MAX_FOLDERS,
  };
}
