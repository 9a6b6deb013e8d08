// Real kill-and-resume: spawn the CLI, SIGKILL it in the middle of a scan, check the database, run it again.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { makeVideo, PROJECT_ROOT, runCli, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function count(dbFile: string, sql: string): number {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

test('SIGKILL mid-scan loses nothing committed; the rerun resumes with the pending videos only', { timeout: 120_000 }, async () => {
  const lib = path.join(dir, 'lib');
  for (let i = 0; i < 6; i++) makeVideo(path.join(lib, `clip ${i}.mp4`), { seconds: 1, source: `testsrc2=size=160x120:rate=10` });
  fs.writeFileSync(path.join(lib, 'broken.mp4'), 'text pretending to be a video');
  // An hour old: an mp4 without its index written seconds ago is taken for one still being written and deferred (by
  // design), which would make this test depend on how soon the rescan comes.
  const hourAgo = new Date(Date.now() - 3600_000);
  fs.utimesSync(path.join(lib, 'broken.mp4'), hourAgo, hourAgo);
  const db = path.join(dir, 'crash.db');

  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'main', 'cli', 'bin.js'), 'add', lib, '--db', db, '--k', '2'], {
    cwd: PROJECT_ROOT,
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((res) => child.on('exit', (_code, signal) => res(signal ? -1 : _code)));
  // Wait until at least one video is committed, then kill without warning.
  const deadline = Date.now() + 90_000;
  let scanned = 0;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    try {
      scanned = count(db, `SELECT COUNT(*) AS n FROM videos WHERE status = 'ok'`);
    } catch {
      /* not created yet */
    }
    if (scanned >= 1) break;
  }
  child.kill('SIGKILL');
  assert.equal(await exited, -1, 'the CLI finished before it could be killed; make the library bigger');
  assert.ok(scanned >= 1);

  // Nothing half-written: integrity holds, every 'ok' video has exactly one scan with all its frames.
  const raw = new Database(db);
  assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
  const okBefore = count(db, `SELECT COUNT(*) AS n FROM videos WHERE status = 'ok'`);
  assert.equal(count(db, `SELECT COUNT(*) AS n FROM scans`), okBefore);
  assert.equal(count(db, `SELECT COUNT(*) AS n FROM frames`), okBefore * 2);
  const pendingBefore = count(db, `SELECT COUNT(*) AS n FROM videos WHERE status = 'pending'`);
  assert.ok(pendingBefore >= 1, 'some videos are left to do');
  const firstScans = raw.prepare('SELECT id, video_id FROM scans ORDER BY id').all();
  raw.close();
  // The killed process left its job 'running'; the next process sees it as interrupted.

  const r = await runCli(['rescan', '--db', db, '--k', '2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(count(db, `SELECT COUNT(*) AS n FROM videos WHERE status = 'ok'`), 6);
  assert.equal(count(db, `SELECT COUNT(*) AS n FROM videos WHERE status = 'error'`), 1);
  assert.equal(count(db, `SELECT COUNT(*) AS n FROM scans`), 6);
  // Work committed before the kill was not redone.
  const check = new Database(db, { readonly: true });
  const keep = check.prepare('SELECT id, video_id FROM scans WHERE id <= ? ORDER BY id').all((firstScans.at(-1) as { id: number }).id);
  check.close();
  assert.deepEqual(keep, firstScans);

  const jobs = JSON.parse((await runCli(['jobs', '--db', db, '--json'])).stdout) as { state: string; error: string | null }[];
  assert.ok(jobs.some((j) => j.state === 'failed' && /interrupted/.test(j.error ?? '')));
  const errors = JSON.parse((await runCli(['errors', '--db', db, '--json'])).stdout) as { path: string; error: string }[];
  assert.deepEqual(
    errors.map((e) => path.basename(e.path)),
    ['broken.mp4'],
  );
});

/** Invariants that must hold after a kill at any moment. */
function consistent(dbFile: string, k: number, thumbs: string): void {
  const db = new Database(dbFile);
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(db.pragma('foreign_key_check'), []);
    const ok = db.prepare(`SELECT id, thumbnail FROM videos WHERE status = 'ok'`).all() as { id: number; thumbnail: string }[];
    for (const v of ok) {
      const scans = db.prepare(`SELECT id, frame_count FROM scans WHERE video_id = ? AND kind = 'student'`).all(v.id) as {
        id: number;
        frame_count: number;
      }[];
      assert.equal(scans.length, 1, `video ${v.id} has one student scan`);
      const frames = (db.prepare('SELECT COUNT(*) AS n FROM frames WHERE scan_id = ?').get(scans[0].id) as { n: number }).n;
      assert.equal(frames, scans[0].frame_count);
      assert.equal(frames, k);
      assert.ok(v.thumbnail && fs.existsSync(v.thumbnail) && fs.statSync(v.thumbnail).size > 0, 'a whole poster, never half a file');
    }
    // No scan of a video that is not 'ok' (a scan commits with the status in one transaction).
    assert.equal(
      (db.prepare(`SELECT COUNT(*) AS n FROM scans s JOIN videos v ON v.id = s.video_id WHERE v.status <> 'ok'`).get() as { n: number }).n,
      0,
    );
    const fts = (db.prepare('SELECT COUNT(*) AS n FROM video_search').get() as { n: number }).n;
    assert.equal(fts, (db.prepare('SELECT COUNT(*) AS n FROM videos').get() as { n: number }).n, 'full-text index in step');
    if (fs.existsSync(thumbs)) {
      for (const f of fs.readdirSync(thumbs)) if (!f.includes('.tmp.')) assert.ok(fs.statSync(path.join(thumbs, f)).size > 0);
    }
  } finally {
    db.close();
  }
}

test(
  'SIGKILL during the walk/fingerprint/probe phase, during probing and mid-scan: each time consistent; the last run completes',
  { timeout: 300_000 },
  async () => {
    const lib = path.join(dir, 'lib2');
    for (let i = 0; i < 12; i++)
      makeVideo(path.join(lib, `sub ${i % 3}`, `clip ${i}.mp4`), { seconds: 1, source: `testsrc2=size=128x96:rate=10` });
    fs.writeFileSync(path.join(lib, 'zero.mp4'), '');
    const db = path.join(dir, 'kill.db');
    const thumbs = path.join(dir, 'kill-cache', 'thumbs');
    const q = (sql: string) => {
      try {
        return count(db, sql);
      } catch {
        return -1;
      }
    };
    // Each kill waits for a different moment of the job.
    const moments: [string, () => boolean][] = [
      ['index: rows being inserted', () => q('SELECT COUNT(*) AS n FROM videos') >= 1],
      ['index: probing', () => q('SELECT COUNT(*) AS n FROM videos WHERE duration_s IS NOT NULL') >= 1],
      ['scan: mid-way', () => q(`SELECT COUNT(*) AS n FROM videos WHERE status = 'ok'`) >= 3],
    ];
    let scansBefore: unknown[] = [];
    let kills = 0;
    for (const [what, when] of moments) {
      const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'main', 'cli', 'bin.js'), 'add', lib, '--db', db, '--k', '3'], {
        cwd: PROJECT_ROOT,
        stdio: 'ignore',
        env: { ...process.env, GLIMPSE_SETTLE_MS: '0' },
      });
      const exited = new Promise<number | null>((res) => child.on('exit', (code, signal) => res(signal ? -1 : code)));
      const deadline = Date.now() + 120_000;
      while (!when() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      child.kill('SIGKILL');
      const code = await exited;
      if (code !== -1) continue; // it finished first: nothing to check for this moment
      kills++;
      consistent(db, 3, thumbs);
      // Committed scans survive every later kill.
      const raw = new Database(db, { readonly: true });
      const now = raw.prepare('SELECT id, video_id FROM scans ORDER BY id').all();
      raw.close();
      assert.deepEqual(now.slice(0, scansBefore.length), scansBefore, `scans committed before "${what}" are intact`);
      scansBefore = now;
    }
    assert.ok(kills >= 2, `only ${kills} of the kills landed before the job finished`);
    const r = await runCli(['rescan', '--db', db, '--k', '3', '--json'], { env: { GLIMPSE_SETTLE_MS: '0' } });
    assert.equal(r.code, 0, r.stderr);
    consistent(db, 3, thumbs);
    assert.equal(count(db, `SELECT COUNT(*) AS n FROM videos WHERE status = 'ok'`), 12);
    assert.equal(count(db, `SELECT COUNT(*) AS n FROM videos`), 13, 'no duplicate rows from re-walking after a kill');
    const errors = JSON.parse((await runCli(['errors', '--db', db, '--json'])).stdout) as { path: string; error: string }[];
    assert.deepEqual(
      errors.map((e) => path.basename(e.path)),
      ['zero.mp4'],
    );
  },
);
