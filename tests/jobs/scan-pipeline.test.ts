// The scan pipeline with the real CNN worker and real ffmpeg: the next video is decoded while the current one is
// in inference (frame by frame, on any worker), and a long video's CNN starts on its first frames while ffmpeg
// decodes the rest; videos commit in order, a broken file does not stop the rest, pause holds it between videos.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { JobQueue } from '../../main/jobs/queue.ts';
import { toolRuns } from '../../main/media/ffmpeg.ts';
import { DEFAULT_SCAN_SETTINGS, ScanService } from '../../main/engine/scan-service.ts';
import { CnnClient } from '../../main/ml/cnn-client.ts';
import { openDb, type Db } from '../../main/store/db.ts';
import { LibraryRepo } from '../../main/store/library-repo.ts';
import { ScansRepo } from '../../main/store/scans-repo.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
let db: Db, library: LibraryRepo, scans: ScansRepo, cnn: CnnClient;
const events: { what: string; id: number; at: number }[] = [];

before(async () => {
  const files = [0, 1, 2, 3].map((i) => makeVideo(path.join(dir, `v${i}.mp4`), { seconds: 2, source: `testsrc2=size=160x120:rate=10` }));
  const broken = path.join(dir, 'broken.mp4');
  fs.writeFileSync(broken, 'not a video');
  files.splice(2, 0, broken);
  db = openDb(path.join(dir, 'p.db'));
  library = new LibraryRepo(db);
  scans = new ScansRepo(db);
  const root = library.addRoot(dir);
  library.upsertFiles(
    root.id,
    files.map((f) => ({ path: f, name: path.basename(f), sizeBytes: fs.statSync(f).size, mtimeMs: 1 })),
  );
  // Observation only: log when each video's probe lands (ffmpeg stage) and when each inference starts/ends (CNN stage).
  const setProbe = library.setProbe.bind(library);
  library.setProbe = (id, p) => {
    events.push({ what: 'probed', id, at: performance.now() });
    setProbe(id, p);
  };
  const real = await CnnClient.start();
  // Each frame's inference, on whichever worker runs it.
  const watched = new Set<object>();
  const lanes = real.lanes.bind(real);
  real.lanes = () =>
    lanes().map((w) => {
      if (watched.has(w)) return w;
      watched.add(w);
      const run = w.run.bind(w);
      w.run = async (frames, embed) => {
        const id = events.filter((e) => e.what === 'cnn-start').length;
        events.push({ what: 'cnn-start', id, at: performance.now() });
        try {
          return await run(frames, embed);
        } finally {
          events.push({ what: 'cnn-end', id, at: performance.now() });
        }
      };
      return w;
    });
  cnn = real;
});
after(async () => {
  await cnn?.close();
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('ffmpeg runs ahead of the CNN; results commit in order; the broken file is recorded and skipped', { timeout: 180_000 }, async () => {
  const service = new ScanService(
    library,
    scans,
    async () => cnn,
    path.join(dir, 'thumbs'),
    () => ({ ...DEFAULT_SCAN_SETTINGS, k: 3, decoders: 2 }),
  );
  const q = new JobQueue();
  const todo = library.pendingVideos();
  const order: string[] = [];
  const startsBefore = events.filter((e) => e.what === 'cnn-start').length;
  const ffmpegBefore = toolRuns.ffmpeg;
  const startedAtCommit: number[] = []; // frames sent to the CNN when each tagged video committed
  const id = q.enqueue('scan', (ctx) =>
    service.scanAll(todo, 'student', ctx, (v, out) => {
      order.push(`${v.name}:${out.ok ? 'ok' : 'error'}`);
      if (out.ok) startedAtCommit.push(events.filter((e) => e.what === 'cnn-start').length - startsBefore);
    }),
  );
  const job = await q.wait(id);
  assert.equal(job.state, 'done', job.error ?? '');
  assert.deepEqual(
    order,
    todo.map((v) => `${v.name}:${v.name === 'broken.mp4' ? 'error' : 'ok'}`),
  );
  // Overlap: some video was probed (its decode had started) while an inference was still running.
  const cnnSpans = events
    .filter((e) => e.what === 'cnn-start')
    .map((s) => [s.at, events.find((e) => e.what === 'cnn-end' && e.id === s.id)!.at]);
  const probes = events.filter((e) => e.what === 'probed').map((e) => e.at);
  assert.ok(
    probes.some((t) => cnnSpans.some(([a, b]) => t > a && t < b)),
    'no decode overlapped an inference',
  );
  // No worker waits for a commit: a later video's frames were at the CNN before an earlier one committed (3 frames
  // a video; when the j-th tagged video commits, more than 3j frames went out).
  assert.ok(
    startedAtCommit.slice(0, -1).some((n, j) => n > 3 * (j + 1)),
    `the next video's frames waited for the commit: ${JSON.stringify(startedAtCommit)}`,
  );
  for (const v of todo) {
    const row = library.video(v.id)!;
    if (v.name === 'broken.mp4') {
      assert.equal(row.status, 'error');
      assert.match(row.error ?? '', /not a readable video/);
      continue;
    }
    assert.equal(row.status, 'ok');
    const [scan] = scans.scansOf(v.id);
    assert.equal(scan.frame_count, 3);
    // the video's own time: its decode and its frames' time at the CNN, a stretch where both ran counted once
    assert.ok(scan.seconds >= Math.max(scan.decode_seconds, scan.cnn_seconds) - 1e-6);
    assert.ok(scan.seconds <= scan.decode_seconds + scan.cnn_seconds + scan.model_seconds + 1e-6);
    assert.ok(fs.existsSync(row.thumbnail!));
  }
  // one ffmpeg a video it could read: its decode wrote its poster too (the broken file stops at ffprobe)
  assert.equal(toolRuns.ffmpeg - ffmpegBefore, todo.length - 1, 'ffmpeg runs');
  // each poster (written by its video's decoding ffmpeg) and nothing else: no folder of pictures left behind
  assert.deepEqual(
    fs.readdirSync(path.join(dir, 'thumbs')).sort(),
    todo
      .filter((v) => v.name !== 'broken.mp4')
      .map((v) => `${v.id}.jpg`)
      .sort(),
  );
});

test('a cancelled student scan leaves no pictures behind, nor those of the videos it had decoded ahead', { timeout: 180_000 }, async () => {
  const thumbs = path.join(dir, 'thumbs-cancel');
  const service = new ScanService(
    library,
    scans,
    async () => cnn,
    thumbs,
    () => ({ ...DEFAULT_SCAN_SETTINGS, k: 3, decoders: 2 }),
  );
  const todo = library.list({ limit: 100, offset: 0 }).rows.filter((v) => v.status === 'ok');
  assert.ok(todo.length >= 4);
  const q = new JobQueue();
  const done: number[] = [];
  const id = q.enqueue('scan', (ctx) =>
    service.scanAll(todo, 'student', ctx, (v) => {
      done.push(v.id);
      q.cancel(id); // two videos are decoded ahead by now, or being decoded
    }),
  );
  assert.equal((await q.wait(id)).state, 'cancelled');
  assert.equal(done.length, 1);
  assert.deepEqual(fs.readdirSync(thumbs), [`${done[0]}.jpg`], 'the scanned video’s poster only');
});

test(
  'pause holds the pipeline between videos; resume finishes the rest; cancel stops it with every commit whole',
  { timeout: 180_000 },
  async () => {
    const service = new ScanService(
      library,
      scans,
      async () => cnn,
      path.join(dir, 'thumbs'),
      () => ({ ...DEFAULT_SCAN_SETTINGS, k: 2, decoders: 2 }),
    );
    const q = new JobQueue();
    const todo = library.pendingVideos().length ? library.pendingVideos() : library.list({ limit: 100, offset: 0 }).rows;
    const done: number[] = [];
    const id = q.enqueue('scan', (ctx) =>
      service.scanAll(todo, 'teacher', ctx, (v) => {
        done.push(v.id);
        if (done.length === 1) q.pause(id);
      }),
    );
    const deadline = Date.now() + 60_000;
    while (q.list().find((j) => j.id === id)?.state !== 'paused' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const startsAtPause = events.filter((e) => e.what === 'cnn-start').length;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(done.length, 1, 'nothing committed while paused');
    // and no frame sent to the CNN: the next video's run, started before the pause, waits too
    assert.equal(events.filter((e) => e.what === 'cnn-start').length, startsAtPause, 'frames sent to the CNN while paused');
    q.resume(id);
    while (done.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    q.cancel(id);
    const job = await q.wait(id);
    assert.equal(job.state, 'cancelled');
    assert.ok(done.length >= 2 && done.length < todo.length, `done ${done.length}`);
    const teacherScans = db.prepare(`SELECT COUNT(*) AS n FROM scans WHERE kind = 'teacher'`).get() as { n: number };
    assert.equal(teacherScans.n, done.filter((vid) => library.video(vid)?.status !== 'error').length);
  },
);

test('a long video: the CNN starts on its first keyframe group while ffmpeg decodes the rest', { timeout: 180_000 }, async () => {
  const long = makeVideo(path.join(dir, 'long', 'long.mp4'), {
    seconds: 130,
    source: 'testsrc2=size=160x120:rate=5',
    args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '5', '-pix_fmt', 'yuv420p'],
  });
  const root = library.addRoot(path.dirname(long));
  library.upsertFiles(root.id, [{ path: long, name: 'long.mp4', sizeBytes: fs.statSync(long).size, mtimeMs: 1 }]);
  const video = library.pendingVideos().find((v) => v.path === long)!;
  const service = new ScanService(
    library,
    scans,
    async () => cnn,
    path.join(dir, 'thumbs'),
    () => ({
      ...DEFAULT_SCAN_SETTINGS,
      k: 20, // 6.5 s a frame, a keyframe every second: keyframe seeks, in four groups
    }),
  );
  const before = events.filter((e) => e.what === 'cnn-start').length;
  const out = await service.scan(video, 'student');
  assert.ok(out.ok, out.error);
  assert.equal(out.frames, 20);
  assert.equal(out.keyframeFrames, 20);
  assert.equal(events.filter((e) => e.what === 'cnn-start').length - before, 20, 'every frame once');
  // Decode and CNN overlapped inside the one video: the video's time counts that stretch once.
  const [scan] = scans.scansOf(video.id);
  assert.ok(
    scan.seconds < scan.decode_seconds + scan.cnn_seconds + scan.model_seconds - 1e-3,
    `seconds ${scan.seconds} = decode ${scan.decode_seconds} + CNN ${scan.cnn_seconds}: no overlap`,
  );
  assert.ok(scan.seconds >= Math.max(scan.decode_seconds, scan.cnn_seconds) - 1e-6);
});
