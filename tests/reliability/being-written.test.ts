/**
 * Files still being written are deferred, never indexed from a prefix nor marked broken: (a) an mp4 that
 * `ffmpeg -re` is recording while `glimpse add` runs, (b) a slow writer appending an mp4 in chunks and pausing longer
 * than the settle check between them. Each is indexed once its writer has finished and it probes completely.
 * The writers are driven by the test (no sleep-and-hope): the add runs while the recording is provably still going,
 * and the chunked writer writes only between runs. GLIMPSE_SETTLE_MS is an hour so every file here counts as
 * "modified moments ago" however loaded the machine is. (An unreadable file, EACCES, is a retryable row, not
 * deferred: tests/reliability/failures.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { makeVideo, runCli, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir('glimpse-writing-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const env = { GLIMPSE_CNN_WORKERS: '1', GLIMPSE_SETTLE_MS: '3600000' };

function rows(db: string): { name: string; status: string; error: string | null; duration_s: number | null }[] {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(`SELECT name, status, error, duration_s FROM videos ORDER BY name`).all() as ReturnType<typeof rows>;
  } finally {
    d.close();
  }
}

async function until(cond: () => boolean, what: string, ms = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test(
  'an mp4 being recorded by ffmpeg -re is deferred while add runs, and indexed once ffmpeg has finished',
  { timeout: 400_000 },
  async () => {
    const lib = path.join(dir, 'rec');
    fs.mkdirSync(lib);
    const out = path.join(lib, 'recording.mp4');
    // real time, long enough that it is still recording when add has finished; 'q' on stdin ends it cleanly (moov written)
    const ffmpeg = spawn(
      'ffmpeg',
      [
        '-v',
        'error',
        '-re',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=160x120:rate=10',
        '-t',
        '600',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        out,
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let running = true;
    const exited = new Promise<number | null>((res) =>
      ffmpeg.on('close', (code) => {
        running = false;
        res(code);
      }),
    );
    try {
      await until(() => (fs.statSync(out, { throwIfNoEntry: false })?.size ?? 0) > 0, 'ffmpeg to start writing');
      const db = path.join(dir, 'rec.db');
      const during = await runCli(['add', lib, '--no-scan', '--db', db, '--json'], { env });
      assert.ok(running, 'ffmpeg was still recording when add finished (else this proves nothing)');
      assert.equal(during.code, 0, during.stderr);
      assert.match((JSON.parse(during.stdout) as { job: { message: string } }).job.message, /1 deferred \(still being written\), 0 errors/);
      assert.deepEqual(rows(db), [], 'not indexed: no row, no error');

      ffmpeg.stdin!.end('q');
      assert.equal(await exited, 0);
      const done = await runCli(['rescan', '--no-scan', '--db', db], { env });
      assert.equal(done.code, 0, done.stdout + done.stderr);
      const [r] = rows(db);
      assert.equal(r.name, 'recording.mp4');
      assert.equal(r.status, 'pending', 'indexed, waiting for its scan');
      assert.equal(r.error, null);
      assert.ok((r.duration_s ?? 0) > 0, `probed completely: ${r.duration_s} s`);
    } finally {
      if (running) ffmpeg.kill('SIGKILL');
    }
  },
);

test('a slow writer appending an mp4 in chunks is deferred at every pause, then indexed whole', { timeout: 400_000 }, async () => {
  const src = makeVideo(path.join(dir, 'src', 'whole.mp4'), { source: 'testsrc2=size=160x120:rate=10', seconds: 3 });
  const whole = fs.readFileSync(src);
  const lib = path.join(dir, 'slow');
  fs.mkdirSync(lib);
  const target = path.join(lib, 'copy.mp4');
  const db = path.join(dir, 'slow.db');
  const third = Math.ceil(whole.length / 3);
  for (let i = 0; i < 3; i++) {
    fs.appendFileSync(target, whole.subarray(i * third, (i + 1) * third));
    // the writer pauses here (as long as the run takes: far longer than the 1 s settle check)
    const r = await runCli([i === 0 ? 'add' : 'rescan', ...(i === 0 ? [lib] : []), '--no-scan', '--db', db, '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const message =
      (JSON.parse(r.stdout) as { job?: { message: string }; message?: string }).job?.message ??
      (JSON.parse(r.stdout) as { message: string }).message;
    if (i < 2) {
      assert.match(message, /1 deferred \(still being written\), 0 errors/, `after chunk ${i + 1}`);
      assert.deepEqual(rows(db), [], `after chunk ${i + 1}: not indexed from a prefix`);
    } else {
      assert.match(message, /1 new, .* 0 deferred/);
      const [row] = rows(db);
      assert.equal(row.status, 'pending');
      assert.ok(Math.abs((row.duration_s ?? 0) - 3) < 0.5, `the whole file: ${row.duration_s} s`);
    }
  }
});

test('a broken file that has had time to settle is still recorded as broken', { timeout: 200_000 }, async () => {
  const lib = path.join(dir, 'broken');
  fs.mkdirSync(lib);
  const f = path.join(lib, 'cut.mp4');
  fs.writeFileSync(f, fs.readFileSync(makeVideo(path.join(dir, 'src2', 'w.mp4'), { seconds: 1 })).subarray(0, 2000));
  const old = new Date(Date.now() - 2 * 3600_000);
  fs.utimesSync(f, old, old); // written two hours ago: nobody is writing it
  const db = path.join(dir, 'broken.db');
  const r = await runCli(['add', lib, '--no-scan', '--db', db], { env });
  assert.equal(r.code, 0, r.stderr);
  const [row] = rows(db);
  assert.equal(row.status, 'error');
  assert.match(row.error ?? '', /moov atom not found/);
});
