/**
 * A full disk, recovered in the same running process (issue 12): the library's database, frame cache and user
 * data on a small tmpfs, filled up. A scan fails with the retryable "disk full" message (in the job's error, the
 * summary every face shows), no video is marked broken; once space is freed, a scan in the SAME engine (no restart)
 * tags every video and the database passes integrity_check. tests/reliability/faults.test.ts covers the CLI, one
 * process per step. Needs root to mount the tmpfs: skips with its reason otherwise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { Engine } from '../../main/engine/engine.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir('glimpse-disk-full-');
const mounted: string[] = [];
after(() => {
  for (const m of mounted) spawnSync('umount', ['-l', m]);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Fill the file system holding `file` up to `leaveKb` free. */
function fill(file: string, leaveKb: number): void {
  const free = Number(
    spawnSync('df', ['-k', '--output=avail', path.dirname(file)], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .pop(),
  );
  fs.writeFileSync(file, Buffer.alloc(Math.max(0, free - leaveKb) * 1024));
}

for (const where of ['database, cache and user data', 'cache and user data'] as const)
  test(
    `disk full under one running engine (${where} on the full disk): a retryable "disk full", nothing broken; freed, the same engine tags all`,
    { timeout: 600_000 },
    (t) => diskFullThenFreed(t, where === 'database, cache and user data'),
  );

async function diskFullThenFreed(t: TestContext, dbOnSmallDisk: boolean) {
  if (process.getuid?.() !== 0) return t.skip('needs root to mount a small tmpfs');
  const mnt = path.join(dir, `small-disk-${mounted.length}`);
  fs.mkdirSync(mnt);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) return t.skip(`cannot mount a tmpfs here: ${m.stderr.trim()}`);
  mounted.push(mnt);
  process.env.GLIMPSE_CNN_WORKERS = '1';
  const lib = path.join(mnt + '-lib');
  for (const [i, src] of ['testsrc2', 'mandelbrot', 'smptebars', 'rgbtestsrc'].entries())
    makeVideo(path.join(lib, `v${i}.mp4`), { source: `${src}=size=160x120:rate=10`, seconds: 1 });
  const dbPath = dbOnSmallDisk ? path.join(mnt, 'g.db') : path.join(mnt + '-db', 'g.db');
  const engine = new Engine({
    dbPath,
    cacheDir: path.join(mnt, 'cache'),
    dataDir: path.join(mnt, 'data'),
    modelsDir: path.join(dir, 'no-models'),
    scan: { k: 2, decoders: 1 },
  });
  try {
    // indexed while there is room (no tagging yet)
    const { jobId } = await engine.call('library.addRoot', { path: lib, scan: false });
    assert.equal((await engine.jobs.wait(jobId!)).state, 'done');

    // no room left at all: the scan cannot write a poster, frame picture or its rows
    const filler = path.join(mnt, 'filler');
    fill(filler, 0);
    const full = await engine.jobs.wait((await engine.call('scan.start', { kind: 'student' })).jobId);
    assert.equal(full.state, 'failed', full.message);
    assert.match(
      full.error ?? '',
      /^disk full: the disk holding the library database or its cache is full; .*Nothing saved was lost: free space and run rescan$/,
    );
    assert.match(full.message, /^failed: disk full/, 'the job bar and the CLI say it');
    const during = await engine.call('library.videos', {});
    assert.equal(during.videos.length, 4);
    for (const v of during.videos) assert.notEqual(v.status, 'error', `${v.name} is not marked broken: ${v.error}`);
    // the video it stopped at stays pending, retried by the next scan; with room in the database it carries the reason
    if (!dbOnSmallDisk)
      assert.ok(
        during.videos.some((v) => v.status === 'pending' && /^disk full/.test(v.error ?? '')),
        JSON.stringify(during.videos.map((v) => [v.name, v.status, v.error])),
      );

    // space again, same engine, no restart: every video is tagged
    fs.rmSync(filler);
    const again = await engine.jobs.wait((await engine.call('scan.start', { kind: 'student' })).jobId);
    assert.equal(again.state, 'done', again.error ?? '');
    const tagged = await engine.call('library.videos', {});
    assert.deepEqual(
      tagged.videos.map((v) => [v.name, v.status, v.error]).sort(),
      [0, 1, 2, 3].map((i) => [`v${i}.mp4`, 'ok', null]),
    );
    assert.ok(
      tagged.videos.every((v) => v.hasThumbnail),
      'posters written once there was room',
    );
  } finally {
    await engine.close();
  }
  const d = new Database(dbPath, { readonly: true });
  try {
    assert.equal(d.pragma('integrity_check', { simple: true }), 'ok');
    const n = (d.prepare(`SELECT count(DISTINCT video_id) AS n FROM scans WHERE kind = 'student'`).get() as { n: number }).n;
    assert.equal(n, 4);
  } finally {
    d.close();
  }
}
