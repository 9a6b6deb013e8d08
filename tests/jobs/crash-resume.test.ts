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
  try { return (db.prepare(sql).get() as { n: number }).n; } finally { db.close(); }
}

test('SIGKILL mid-scan loses nothing committed; the rerun resumes with the pending videos only', { timeout: 120_000 }, async () => {
  const lib = path.join(dir, 'lib');
  for (let i = 0; i < 6; i++) makeVideo(path.join(lib, `clip ${i}.mp4`), { seconds: 1, source: `testsrc2=size=160x120:rate=10` });
  fs.writeFileSync(path.join(lib, 'broken.mp4'), 'text pretending to be a video');
  const db = path.join(dir, 'crash.db');

  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'main', 'cli', 'bin.js'), 'add', lib, '--db', db, '--k', '2'],
    { cwd: PROJECT_ROOT, stdio: 'ignore' });
  const exited = new Promise<number | null>((res) => child.on('exit', (_code, signal) => res(signal ? -1 : _code)));
  // Wait until at least one video is committed, then kill without warning.
  const deadline = Date.now() + 90_000;
  let scanned = 0;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    try { scanned = count(db, `SELECT COUNT(*) AS n FROM videos WHERE status = 'ok'`); } catch { /* not created yet */ }
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
  assert.deepEqual(errors.map((e) => path.basename(e.path)), ['broken.mp4']);
});
