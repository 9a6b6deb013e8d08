// "It keeps working": failures of the machine (a hung ffmpeg, a permission) are retried and never mark a valid file
// broken; broken files are permanent errors with ffmpeg's reason; an empty or unmounted root marks nothing missing;
// prune never deletes human tags without confirmation. Real files, real ffmpeg, the real CLI where the face matters.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { JobContext } from '../../main/jobs/queue.ts';
import { JobQueue } from '../../main/jobs/queue.ts';
import { LibraryOps, summarize } from '../../main/library/library-ops.ts';
import { openDb, type Db } from '../../main/store/db.ts';
import { LibraryRepo, type VideoRow } from '../../main/store/library-repo.ts';
import { makeVideo, runCli, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir('glimpse-failures-');
fs.chmodSync(dir, 0o755);
const past = (file: string) => {
  const t = new Date(Date.now() - 3600_000);
  fs.utimesSync(file, t, t);
};
type Row = VideoRow & { fingerprint: string | null };
const rows = (dbPath: string): Map<string, Row> => {
  const db = openDb(dbPath);
  try {
    return new Map((db.prepare('SELECT * FROM videos ORDER BY path').all() as Row[]).map((v) => [v.name, v]));
  } finally {
    db.close();
  }
};
// Stable mtimes: nothing here is "still being written".
const env = { GLIMPSE_SETTLE_MS: '0', GLIMPSE_CNN_WORKERS: '1' };

after(() => fs.rmSync(dir, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------------------------
// A hung ffmpeg, a truncated file, a garbage file: one library through the CLI.

const lib = path.join(dir, 'lib');
const db1 = path.join(dir, 'lib.db');
const hang = path.join(dir, 'hung-ffmpeg.sh');

before(() => {
  makeVideo(path.join(lib, 'valid.mp4'), { seconds: 2 });
  // A header that promises 30 s over a few hundred ms of data (moov first, the rest cut off).
  const full = makeVideo(path.join(dir, 'full.mp4'), {
    seconds: 30,
    args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'],
  });
  const bytes = fs.readFileSync(full);
  fs.writeFileSync(path.join(lib, 'truncated.mp4'), bytes.subarray(0, Math.floor(bytes.length / 40)));
  fs.writeFileSync(path.join(lib, 'garbage.mp4'), Buffer.alloc(50_000, 'not a video at all '));
  for (const f of fs.readdirSync(lib)) past(path.join(lib, f));
  // An ffmpeg that answers -version (so it is found) and then hangs on every real job, as on a stuck mount. `exec`
  // so the runner's SIGTERM reaches the sleeping process itself.
  fs.writeFileSync(hang, `#!/bin/sh\nif [ "$1" = "-version" ]; then exec ffmpeg -version; fi\nexec sleep 120\n`, { mode: 0o755 });
});

test('a hung ffmpeg: retryable, not broken, the exit status says how many; the next rescan tags them', async () => {
  const r = await runCli(['add', lib, '--db', db1, '--k', '6', '--json'], {
    env: { ...env, GLIMPSE_FFMPEG: hang, GLIMPSE_FFMPEG_TIMEOUT_S: '1', GLIMPSE_DECODERS: '1' },
  });
  assert.equal(r.code, 1, `a run that could not do its work must not exit 0\n${r.stdout}\n${r.stderr}`);
  const out = JSON.parse(r.stdout) as {
    job: { message: string };
    retry: { path: string; error: string }[];
    errors: { path: string; error: string }[];
  };
  assert.match(out.job.message, /2 to retry/, 'the job summary says it');
  assert.deepEqual(out.retry.map((v) => path.basename(v.path)).sort(), ['truncated.mp4', 'valid.mp4']);
  assert.ok(
    out.retry.every((v) => /timeout/.test(v.error)),
    JSON.stringify(out.retry),
  );
  assert.deepEqual(
    out.errors.map((v) => path.basename(v.path)),
    ['garbage.mp4'],
  );
  assert.match(out.errors[0].error, /Invalid data found/, 'the broken file carries ffmpeg’s reason');
  const v = rows(db1);
  assert.equal(v.get('valid.mp4')!.status, 'pending', 'a valid file is never marked broken because the machine failed');
  assert.equal(v.get('valid.mp4')!.error_retryable, 1);
  assert.equal(v.get('garbage.mp4')!.status, 'error');
  assert.equal(v.get('garbage.mp4')!.error_retryable, 0);

  // The text face says it too.
  const t = await runCli(['rescan', '--no-scan', '--db', db1], { env });
  assert.equal(t.code, 1, t.stderr);
  assert.match(t.stdout, /2 videos could not be read this time/);
  assert.match(t.stdout, /2 to retry/);

  // A working ffmpeg: the next rescan retries both; the broken file stays broken.
  const ok = await runCli(['rescan', '--db', db1, '--json'], { env });
  assert.equal(ok.code, 0, `${ok.stdout}\n${ok.stderr}`);
  const w = rows(db1);
  assert.equal(w.get('valid.mp4')!.status, 'ok');
  assert.equal(w.get('valid.mp4')!.error_retryable, 0);
  assert.equal(w.get('valid.mp4')!.error, null);
  assert.equal(w.get('garbage.mp4')!.status, 'error');
  // Truncated: tagged from what it has, with a word that most of it is missing; never silently "ok".
  const tr = w.get('truncated.mp4')!;
  assert.equal(tr.status, 'ok');
  assert.equal(tr.error_retryable, 0);
  assert.match(tr.error ?? '', /truncated\? frames end at [\d.]+ s of the 30\.0 s/);
});

// ---------------------------------------------------------------------------------------------------------------
// An unreadable file, with the CLI run as a non-root user (root reads through chmod 000).

test('an unreadable file is a retryable "permission denied" row, not deferred forever', async (t) => {
  const probeUser = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', '0']);
  if (probeUser.status !== 0) return t.skip(`cannot run as the user nobody here (setpriv: ${probeUser.stderr?.toString().trim()})`);
  const root = path.join(dir, 'unreadable');
  const data = path.join(dir, 'nobody-data');
  fs.mkdirSync(data, { mode: 0o777 });
  fs.chmodSync(data, 0o777);
  makeVideo(path.join(root, 'secret.mp4'), { seconds: 1 });
  makeVideo(path.join(root, 'fine.mp4'), { seconds: 1 });
  fs.chmodSync(root, 0o755);
  fs.chmodSync(path.join(root, 'fine.mp4'), 0o644);
  fs.chmodSync(path.join(root, 'secret.mp4'), 0o000);
  for (const f of fs.readdirSync(root)) past(path.join(root, f));
  const db = path.join(data, 'lib.db');
  const run = (args: string[]) =>
    spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, path.join(process.cwd(), 'main/cli/bin.js'), ...args],
      { env: { ...process.env, ...env, HOME: data, TMPDIR: data }, encoding: 'utf8', timeout: 120_000 },
    );
  const r = run(['add', root, '--no-scan', '--db', db, '--json']);
  if (/EACCES|permission denied, open '.*node_modules/i.test(r.stderr) && !r.stdout)
    return t.skip(`the CLI cannot start as nobody here: ${r.stderr.slice(0, 300)}`);
  assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
  const out = JSON.parse(r.stdout) as { job: { message: string }; retry: { path: string; error: string }[] };
  assert.deepEqual(
    out.retry.map((v) => v.path),
    [path.join(root, 'secret.mp4')],
  );
  assert.match(out.retry[0].error, /^permission denied: .*secret\.mp4$/);
  assert.match(out.job.message, /0 deferred/, 'an unreadable file is not "still being written"');
  // Readable again: the next rescan indexes it like any file.
  fs.chmodSync(path.join(root, 'secret.mp4'), 0o644);
  const again = run(['rescan', '--no-scan', '--db', db, '--json']);
  assert.equal(again.status, 0, `${again.stdout}\n${again.stderr}`);
  const v = rows(db).get('secret.mp4')!;
  assert.equal(v.error_retryable, 0);
  assert.equal(v.error, null);
  assert.ok(v.fingerprint);
  assert.ok(v.duration_s! > 0);
});

// ---------------------------------------------------------------------------------------------------------------
// Empty or unmounted roots, and prune.

function opsOn(dbPath: string): { db: Db; library: LibraryRepo; ops: LibraryOps } {
  const db = openDb(dbPath);
  const library = new LibraryRepo(db);
  const ops = new LibraryOps(db, library, new JobQueue(), async () => {}, { settleMs: 0, settleCheckMs: 0, probeConcurrency: 1 });
  return { db, library, ops };
}
const ctx = (): JobContext =>
  ({ signal: new AbortController().signal, progress: () => {}, checkpoint: async () => {} }) as unknown as JobContext;

test('an emptied root (an unmounted drive) marks nothing missing and says it is unreachable', async () => {
  const root = path.join(dir, 'drive');
  const shelf = path.join(dir, 'shelf');
  makeVideo(path.join(root, 'a.mp4'), { seconds: 1 });
  makeVideo(path.join(root, 'sub', 'b.mp4'), { seconds: 1 });
  const { db, library, ops } = opsOn(path.join(dir, 'drive.db'));
  try {
    const r = library.addRoot(root);
    const first = await ops.index(ctx(), [r.id]);
    assert.equal(first[0].added, 2);
    assert.equal(first[0].unreachable, null);
    assert.ok(library.roots()[0].dev !== null, 'the device of the root is remembered');

    // Unmounted: the mount point is an empty folder.
    fs.renameSync(root, shelf);
    fs.mkdirSync(root);
    const empty = await ops.index(ctx(), [r.id]);
    assert.equal(empty[0].missing, 0);
    assert.match(empty[0].unreachable ?? '', /empty/);
    assert.match(summarize(empty), new RegExp(`root unreachable: ${root} \\(`));
    assert.ok(library.list({ limit: 10, offset: 0 }).rows.every((v) => v.status !== 'missing'));
    assert.match(ops.errors().find((e) => e.kind === 'walk')?.error ?? '', /not reachable/);

    // The mount point on another device, with some stray file of its own: still not the library.
    makeVideo(path.join(root, 'stray.mp4'), { seconds: 1 });
    db.prepare('UPDATE roots SET dev = dev + 12345 WHERE id = ?').run(r.id);
    const other = await ops.index(ctx(), [r.id]);
    assert.equal(other[0].missing, 0);
    assert.match(other[0].unreachable ?? '', /another device/);
    assert.equal(library.list({ limit: 10, offset: 0 }).total, 2, 'nothing from the mount point was indexed');

    // Back: everything is where it was, nothing was lost.
    fs.rmSync(root, { recursive: true });
    fs.renameSync(shelf, root);
    db.prepare('UPDATE roots SET dev = dev - 12345 WHERE id = ?').run(r.id);
    const back = await ops.index(ctx(), [r.id]);
    assert.equal(back[0].unreachable, null);
    assert.equal(back[0].missing, 0);
    assert.equal(ops.errors().length, 0);

    // A real deletion of one file (the root still has the other) is still a deletion.
    fs.rmSync(path.join(root, 'a.mp4'));
    const del = await ops.index(ctx(), [r.id]);
    assert.equal(del[0].missing, 1);
  } finally {
    db.close();
  }
});

test('prune never deletes human tags without confirmation (engine and CLI)', async () => {
  const root = path.join(dir, 'tagged');
  const dbPath = path.join(dir, 'tagged.db');
  makeVideo(path.join(root, 'keep.mp4'), { seconds: 1 });
  makeVideo(path.join(root, 'mine.mp4'), { seconds: 1 });
  makeVideo(path.join(root, 'plain.mp4'), { seconds: 1 });
  {
    const { db, library, ops } = opsOn(dbPath);
    try {
      const r = library.addRoot(root);
      await ops.index(ctx(), [r.id]);
      const mine = library.list({ limit: 10, offset: 0 }).rows.find((v) => v.name === 'mine.mp4')!;
      db.prepare(`INSERT INTO tags(video_id, tag, source, score) VALUES (?, 'dog', 'human', 1)`).run(mine.id);
      fs.rmSync(path.join(root, 'mine.mp4'));
      fs.rmSync(path.join(root, 'plain.mp4'));
      assert.equal((await ops.index(ctx(), [r.id]))[0].missing, 2);
      assert.throws(() => ops.prune(), /1 missing video carries your tags.*mine\.mp4.*confirm/);
      assert.equal(library.list({ limit: 10, offset: 0 }).total, 3, 'nothing was removed');
    } finally {
      db.close();
    }
  }
  const refused = await runCli(['prune', '--db', dbPath], { env });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stdout, /prune would forget 2 missing videos; 1 carry your tags/);
  assert.match(refused.stdout, /mine\.mp4 {2}\(1 tag of yours\)/);
  assert.match(refused.stdout, /glimpse prune --yes/);
  assert.equal(rows(dbPath).size, 3);
  const done = await runCli(['prune', '--yes', '--db', dbPath, '--json'], { env });
  assert.equal(done.code, 0, done.stderr);
  assert.equal(JSON.parse(done.stdout).pruned, 2);
  assert.deepEqual([...rows(dbPath).keys()], ['keep.mp4']);
});
