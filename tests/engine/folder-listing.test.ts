// fs.listFolders (the browser-mode folder picker): folders only, inside the home folder or a library root, never
// outside them by `..`, a symlink or an absolute path; relative paths refused.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Engine } from '../../main/engine/engine.ts';
import { tempDir } from '../helpers/fixtures.ts';

const dir = fs.realpathSync(tempDir());
const home = path.join(dir, 'home');
const outside = path.join(dir, 'outside');
const savedHome = process.env.HOME;
let engine: Engine;

before(() => {
  for (const d of ['Videos/holiday', 'Videos/.hidden', 'Music', '.config']) fs.mkdirSync(path.join(home, d), { recursive: true });
  fs.mkdirSync(path.join(outside, 'secret'), { recursive: true });
  fs.writeFileSync(path.join(home, 'Videos', 'clip.mp4'), 'x');
  fs.symlinkSync(outside, path.join(home, 'escape'));
  fs.symlinkSync(path.join(home, 'Music'), path.join(home, 'music-link'));
  process.env.HOME = home; // os.homedir() reads it
  engine = new Engine({ dbPath: path.join(dir, 'lib.db') });
});

after(async () => {
  process.env.HOME = savedHome;
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('starts at the home folder and lists folders only (no files, no hidden ones unless asked)', async () => {
  const r = await engine.call('fs.listFolders', {});
  assert.equal(r.path, home);
  assert.equal(r.parent, null, 'nothing above the home folder');
  assert.deepEqual(r.places, [home]);
  assert.deepEqual(
    r.folders.map((f) => f.name),
    ['Music', 'music-link', 'Videos'],
    'the link to a folder inside home is listed; the one escaping home is not',
  );
  const v = await engine.call('fs.listFolders', { path: path.join(home, 'Videos') });
  assert.deepEqual(v.folders, [{ name: 'holiday', path: path.join(home, 'Videos', 'holiday') }], 'clip.mp4 is a file: not listed');
  assert.equal(v.parent, home);
  const h = await engine.call('fs.listFolders', { path: path.join(home, 'Videos'), hidden: true });
  assert.deepEqual(
    h.folders.map((f) => f.name),
    ['.hidden', 'holiday'],
  );
});

test('nothing outside home or the library roots: .., symlinks, absolute paths, relative paths', async () => {
  for (const p of [
    outside,
    path.join(home, '..'),
    path.join(home, 'Videos', '..', '..', 'outside'),
    path.join(home, 'escape'),
    '/',
    '/etc',
  ])
    await assert.rejects(engine.call('fs.listFolders', { path: p }), /only folders inside your home folder/, p);
  await assert.rejects(engine.call('fs.listFolders', { path: 'Videos' }), /use a full path/);
  await assert.rejects(engine.call('fs.listFolders', { path: path.join(home, 'nope') }), /folder not found/);
  await assert.rejects(engine.call('fs.listFolders', { path: path.join(home, 'Videos', 'clip.mp4') }), /not a folder/);
  await assert.rejects(engine.call('fs.listFolders', { path: `${home}/\0` }), /NUL/);
});

test('a library root outside home becomes a place that can be listed', async () => {
  await engine.call('library.addRoot', { path: outside, scan: false });
  const r = await engine.call('fs.listFolders', { path: outside });
  assert.deepEqual(r.places, [home, outside]);
  assert.deepEqual(
    r.folders.map((f) => f.name),
    ['secret'],
  );
  assert.equal(r.parent, null);
});
