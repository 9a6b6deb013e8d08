/**
 * Fault injection on the library database: a read-only file (and a WAL database in a read-only folder) gives one
 * clear sentence and a non-zero exit, never a stack trace; a full disk (a 3 MB tmpfs holding the database and the
 * cache, filled up) ends the job with "disk full", leaves a database that passes integrity_check and loses nothing
 * committed, and a scan after freeing space completes. Needs root (setpriv to run as nobody, mount for the tmpfs):
 * each part skips with its reason otherwise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { openDb } from '../../main/store/db.ts';
import { makeVideo, runCli, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir('glimpse-faults-');
fs.chmodSync(dir, 0o755);
const mnt = path.join(dir, 'small-disk');
let mounted = false;
const mnt2 = path.join(dir, 'small-disk-2');
let mounted2 = false;
after(() => {
  if (mounted) spawnSync('umount', ['-l', mnt]);
  if (mounted2) spawnSync('umount', ['-l', mnt2]);
  fs.rmSync(dir, { recursive: true, force: true });
});

const env = { GLIMPSE_CNN_WORKERS: '1' };
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

/** The CLI as the user nobody (root writes through chmod). */
function cliAsNobody(args: string[], home: string) {
  return spawnSync('setpriv', [...NOBODY, process.execPath, path.join(process.cwd(), 'main/cli/bin.js'), ...args], {
    env: { ...process.env, ...env, HOME: home, TMPDIR: home },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

test('a read-only database file, and a WAL database in a read-only folder: a clear error and exit 1', { timeout: 180_000 }, (t) => {
  const probe = spawnSync('setpriv', [...NOBODY, process.execPath, '-e', '0']);
  if (probe.status !== 0) return t.skip(`cannot run as the user nobody here (setpriv: ${probe.stderr?.toString().trim()})`);
  const home = path.join(dir, 'nobody-home');
  fs.mkdirSync(home, { mode: 0o777 });
  fs.chmodSync(home, 0o777);

  // (1) the file is read-only (root's, mode 444) in a folder nobody may write
  const roDir = path.join(dir, 'ro-file');
  fs.mkdirSync(roDir);
  fs.chmodSync(roDir, 0o777);
  const roDb = path.join(roDir, 'g.db');
  openDb(roDb).close();
  fs.chmodSync(roDb, 0o444);
  const r1 = cliAsNobody(['videos', '--db', roDb], home);
  if (/EACCES|permission denied, open '.*node_modules/i.test(r1.stderr))
    return t.skip(`the CLI cannot start as nobody: ${r1.stderr.slice(0, 300)}`);
  assert.equal(r1.status, 1, r1.stdout + r1.stderr);
  assert.match(r1.stderr, new RegExp(`glimpse: the library database is read-only: ${roDb.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.doesNotMatch(r1.stderr, /\n\s+at /, 'no stack trace');

  // (2) a WAL database nobody owns, in a folder nobody cannot write (no -wal/-shm can be made beside it)
  const walDir = path.join(dir, 'ro-folder');
  fs.mkdirSync(walDir);
  const walDb = path.join(walDir, 'g.db');
  const db = openDb(walDb);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
  fs.chownSync(walDb, 65534, 65534);
  fs.chmodSync(walDir, 0o555);
  const r2 = cliAsNobody(['videos', '--db', walDb, '--json'], home);
  assert.equal(r2.status, 1, r2.stdout + r2.stderr);
  assert.match(r2.stderr, /glimpse: the library database is read-only: .*ro-folder\/g\.db/);
  assert.doesNotMatch(r2.stderr, /\n\s+at /, 'no stack trace');
  assert.match((JSON.parse(r2.stdout) as { error: string }).error, /read-only/);
});

/** Fill the file system holding `file` up to `leaveKb` free. */
function fill(file: string, leaveKb: number): void {
  const free = Number(
    spawnSync('df', ['-k', '--output=avail', path.dirname(file)], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .pop(),
  );
  const kb = Math.max(0, free - leaveKb);
  fs.writeFileSync(file, Buffer.alloc(kb * 1024));
}

function scanIds(dbPath: string): Map<number, number> {
  const db = new Database(dbPath, { readonly: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    const rows = db.prepare(`SELECT video_id, id FROM scans WHERE kind = 'student'`).all() as { video_id: number; id: number }[];
    return new Map(rows.map((r) => [r.video_id, r.id]));
  } finally {
    db.close();
  }
}

test(
  'disk full: the job ends with "disk full", the database stays sound, and after freeing space a scan completes',
  { timeout: 300_000 },
  async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to mount a small tmpfs');
    fs.mkdirSync(mnt);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt], { encoding: 'utf8' });
    if (m.status !== 0) return t.skip(`cannot mount a tmpfs here: ${m.stderr.trim()}`);
    mounted = true;
    const lib = path.join(dir, 'lib');
    const db = path.join(mnt, 'g.db'); // the cache (<db>-cache) is on the small disk too
    const clip = (name: string, src: string) => makeVideo(path.join(lib, name), { source: `${src}=size=160x120:rate=10`, seconds: 1 });
    clip('a1.mp4', 'testsrc2');
    clip('a2.mp4', 'mandelbrot');

    // committed before the disk fills
    const first = await runCli(['add', lib, '--k', '2', '--db', db], { env });
    assert.equal(first.code, 0, first.stderr);
    const before = scanIds(db);
    assert.equal(before.size, 2);

    // four more videos, indexed (cheap); then the disk is filled to 40 KB free and a scan runs into it
    for (const [i, src] of ['smptebars', 'testsrc', 'rgbtestsrc', 'yuvtestsrc'].entries()) clip(`b${i}.mp4`, src);
    const indexed = await runCli(['add', lib, '--no-scan', '--db', db], { env });
    assert.equal(indexed.code, 0, indexed.stderr);
    const filler = path.join(mnt, 'filler');
    fill(filler, 40);
    const full = await runCli(['scan', '--student', '--k', '2', '--db', db], { env });
    assert.notEqual(full.code, 0, full.stdout + full.stderr);
    assert.match(full.stderr, /glimpse: .*disk full/i);
    assert.doesNotMatch(full.stderr, /\n\s+at /, 'no stack trace');

    // sound, and nothing committed before was lost (each video keeps a student scan, old or new)
    const during = scanIds(db);
    for (const v of before.keys()) assert.ok(during.has(v), `video ${v} kept its scan`);

    // space again: the scan completes and every video is tagged
    fs.rmSync(filler);
    const again = await runCli(['rescan', '--db', db, '--k', '2'], { env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    const afterwards = scanIds(db);
    assert.equal(afterwards.size, 6);
    for (const v of before.keys()) assert.ok(afterwards.has(v));
  },
);

test(
  'disk full while indexing: the job says which disk and to run rescan; the rescan after freeing space indexes everything',
  { timeout: 300_000 },
  async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to mount a small tmpfs');
    fs.mkdirSync(mnt2);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt2], { encoding: 'utf8' });
    if (m.status !== 0) return t.skip(`cannot mount a tmpfs here: ${m.stderr.trim()}`);
    mounted2 = true;
    const lib = path.join(dir, 'lib-index');
    fs.mkdirSync(lib);
    const { Engine } = await import('../../main/engine/engine.ts');
    const open = () => new Engine({ dbPath: path.join(mnt2, 'g.db'), modelsDir: path.join(dir, 'no-models') });
    let engine = open();
    try {
      const { jobId } = await engine.call('library.addRoot', { path: lib, scan: false });
      assert.equal((await engine.jobs.wait(jobId!)).state, 'done');
      // many files (text named .mp4: indexing records each, a write per file), then no space left at all
      for (let i = 0; i < 60; i++) fs.writeFileSync(path.join(lib, `f${String(i).padStart(3, '0')}.mp4`), `not a video ${i} `.repeat(200));
      const old = new Date(Date.now() - 3600_000);
      for (const f of fs.readdirSync(lib)) fs.utimesSync(path.join(lib, f), old, old); // settled files
      const filler = path.join(mnt2, 'filler');
      fill(filler, 0);
      const full = await engine.jobs.wait((await engine.call('library.rescan', { scan: false })).jobId);
      assert.equal(full.state, 'failed', full.message);
      // what the app shows: not SQLite's words, but which disk, that nothing is lost, and what to do
      assert.match(
        full.error ?? '',
        /^disk full: the disk holding the library database or its cache is full; indexing stopped \(.*\)\. Nothing saved was lost: free space and run rescan$/,
      );
      fs.rmSync(filler);
      // the rescan runs in a new start of the app (same-process retry not checked here)
      await engine.close();
      engine = open();
      const again = await engine.jobs.wait((await engine.call('library.rescan', { scan: false })).jobId);
      assert.equal(again.state, 'done', again.error ?? '');
      const d = new Database(path.join(mnt2, 'g.db'), { readonly: true });
      try {
        assert.equal(d.pragma('integrity_check', { simple: true }), 'ok');
        const n = (d.prepare(`SELECT count(*) AS n FROM videos WHERE status = 'error'`).get() as { n: number }).n;
        assert.equal(n, 60, 'every file indexed (as not a video) by the rescan after the space came back');
      } finally {
        d.close();
      }
    } finally {
      await engine.close();
    }
  },
);
