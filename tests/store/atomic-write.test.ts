import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { sweepStaleTemp, tempPathFor, writeFileAtomic, writeFileAtomicSync } from '../../main/core/atomic-write.ts';
import { tempDir } from '../helpers/fixtures.ts';

const dir = tempDir('glimpse-atomic-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A pid that is certainly dead: a child that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

test('atomic writes replace the file whole and leave no temp file', async () => {
  const f = path.join(dir, 'a', 'x.json');
  writeFileAtomicSync(f, 'one');
  await writeFileAtomic(f, Buffer.from('two'));
  assert.equal(fs.readFileSync(f, 'utf8'), 'two');
  assert.deepEqual(fs.readdirSync(path.dirname(f)), ['x.json']);
  assert.match(path.basename(tempPathFor(f)), new RegExp(`^x\\.json\\.tmp-${process.pid}-[0-9a-f]{8}$`));
});

test('the start-up sweep removes what dead writers left, keeps live ones, restores an interrupted model swap', () => {
  const root = path.join(dir, 'sweep');
  const dead = deadPid();
  const files = {
    deadTmp: path.join(root, 'thumbs', `3.jpg.tmp-${dead}-abcd1234`),
    deadJpg: path.join(root, 'thumbs', `4.jpg.${dead}.tmp.jpg`),
    ownTmp: path.join(root, 'thumbs', `5.jpg.tmp-${process.pid}-abcd1234`),
    kept: path.join(root, 'thumbs', '6.jpg'),
    oldLive: path.join(root, 'frames', `1-2-3.jpg.tmp-1-00ff00ff`), // pid 1 is alive; fresh: kept
    deadModelTmp: path.join(root, 'data', `models.tmp-${dead}`, 'student', 'manifest.json'),
    deadModelOld: path.join(root, 'data', `models.old-${dead}`, 'student', 'manifest.json'),
  };
  for (const f of Object.values(files)) {
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, 'x');
  }
  const r = sweepStaleTemp([root, path.join(root, 'data')]);
  assert.ok(
    !fs.existsSync(files.deadTmp) && !fs.existsSync(files.deadJpg) && !fs.existsSync(path.dirname(path.dirname(files.deadModelTmp))),
  );
  assert.ok(fs.existsSync(files.ownTmp) && fs.existsSync(files.kept) && fs.existsSync(files.oldLive));
  assert.ok(fs.existsSync(path.join(root, 'data', 'models', 'student', 'manifest.json')), 'the previous models are put back');
  assert.deepEqual(r.restored, [path.join(root, 'data', 'models')]);
  // an old temp file of a live writer goes after maxAge; a .old-<pid> beside an existing folder is dropped
  const past = new Date(Date.now() - 3600_000);
  fs.utimesSync(files.oldLive, past, past);
  fs.mkdirSync(path.join(root, 'data', `models.old-${dead}`));
  sweepStaleTemp([root], { maxAgeMs: 60_000 });
  assert.ok(!fs.existsSync(files.oldLive) && !fs.existsSync(path.join(root, 'data', `models.old-${dead}`)));
  assert.ok(fs.existsSync(path.join(root, 'data', 'models', 'student', 'manifest.json')));
});
