// The one ffmpeg runner: every call has a timeout and an optional AbortSignal; either kills the process (SIGTERM, then
// SIGKILL) and rejects, once it is gone, with an error naming the file and the cause. A stuck decode used to freeze
// the whole library (a FIFO nobody writes to makes ffmpeg wait for ever, like a stuck network mount), and a valid
// decode finishing under load used to be reported as broken (fluent-ffmpeg's "Output stream closed" race).
// Only the failure paths use tiny limits; success paths keep the generous defaults, so a busy machine cannot fail them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  asMediaError,
  FfmpegAbortError,
  FfmpegError,
  framesAt,
  framesAtRate,
  KILL_GRACE_MS,
  MediaError,
  probe,
  runFfmpeg,
  sceneCuts,
  letterboxContent,
  writeFrameJpegs,
  writeThumbnail,
  toolEnv,
  toolRuns,
} from '../../main/media/ffmpeg.ts';
import { removeOrphans } from '../../main/media/cache.ts';
import { sampleFrames } from '../../main/media/strategies.ts';
import { DEFAULT_SCAN_SETTINGS, ScanService } from '../../main/engine/scan-service.ts';
import { JobQueue } from '../../main/jobs/queue.ts';
import type { CnnClient } from '../../main/ml/cnn-client.ts';
import { openDb } from '../../main/store/db.ts';
import { LibraryRepo } from '../../main/store/library-repo.ts';
import { ScansRepo } from '../../main/store/scans-repo.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir('glimpse-ffmpeg-');
let fifo: string, clip: string;
before(() => {
  fifo = path.join(dir, 'stuck.mp4');
  execFileSync('mkfifo', [fifo]);
  clip = makeVideo(path.join(dir, 'clip.mp4'), { seconds: 2, source: 'testsrc2=size=160x120:rate=10' });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The process is gone (exited and reaped), not merely told to stop. */
function gone(pid: number | undefined): boolean {
  assert.ok(pid, 'the error carries the pid');
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function withTimeoutEnv<T>(seconds: string, f: () => Promise<T>): Promise<T> {
  const before = process.env.GLIMPSE_FFMPEG_TIMEOUT_S;
  process.env.GLIMPSE_FFMPEG_TIMEOUT_S = seconds;
  return f().finally(() => {
    if (before === undefined) delete process.env.GLIMPSE_FFMPEG_TIMEOUT_S;
    else process.env.GLIMPSE_FFMPEG_TIMEOUT_S = before;
  });
}

test(
  'timeout: a decode that cannot finish is killed after GLIMPSE_FFMPEG_TIMEOUT_S, the error says timeout and names the file',
  { timeout: 120_000 },
  async () => {
    // ffmpeg blocked opening a FIFO ignores SIGTERM: this is the SIGKILL path.
    const t0 = performance.now();
    let err: unknown;
    await withTimeoutEnv('1', () =>
      framesAt(fifo, [0.5], 64).catch((e: unknown) => {
        err = e;
      }),
    );
    assert.ok(err instanceof FfmpegError, String(err));
    assert.equal(err.failure, 'timeout');
    assert.ok(err instanceof MediaError, 'a stuck file is recorded');
    assert.equal(err.retryable, true, 'a timeout is the machine’s doing: retried, never a broken file');
    assert.match(err.message, /did not finish within 1\.1 s \(GLIMPSE_FFMPEG_TIMEOUT_S 1 s \+ 0\.1 s for 1 frame from a 0 MB file\)/);
    assert.match(err.message, /timeout, process killed/);
    assert.ok(err.message.includes(fifo), err.message);
    assert.ok(gone(err.pid), 'ffmpeg is not running any more');
    assert.ok(performance.now() - t0 < 60_000, 'killed, not waited out');
  },
);

test(
  'timeout: a run that would go on for ever (-re on an endless lavfi source) is stopped at its limit',
  { timeout: 120_000 },
  async () => {
    // This one stops on SIGTERM; the limit is tiny on purpose, only the failure path uses it.
    await assert.rejects(
      runFfmpeg(['-re', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=10', '-f', 'null', '-'], {
        file: 'lavfi:testsrc2',
        timeoutMs: 300,
        stdout: 'ignore',
      }),
      (e: unknown) =>
        e instanceof FfmpegError && e.failure === 'timeout' && /within 0\.3 s on lavfi:testsrc2: timeout/.test(e.message) && gone(e.pid),
    );
  },
);

test(
  'abort: aborting a running decode kills ffmpeg and rejects promptly with "aborted", not as a broken file',
  { timeout: 120_000 },
  async () => {
    // A decode that is really producing frames: abort on the first one.
    const ac = new AbortController();
    let abortedAt = 0;
    const run = runFfmpeg(
      ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=10', '-vf', 'showinfo', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'],
      {
        file: 'lavfi:endless',
        timeoutMs: 600_000,
        signal: ac.signal,
        onStderrLine: (line) => {
          if (!abortedAt && /pts_time/.test(line)) {
            abortedAt = performance.now();
            ac.abort();
          }
        },
      },
    );
    const err = await run.then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof FfmpegAbortError, String(err));
    assert.ok(!(err instanceof MediaError), 'an abort says nothing about the file');
    assert.match(err.message, /^ffmpeg aborted on lavfi:endless/);
    assert.ok(gone(err.pid));
    // SIGTERM is enough here; SIGKILL follows after KILL_GRACE_MS at the latest. Generous for a busy machine, far
    // below the 600 s limit the run had.
    assert.ok(performance.now() - abortedAt < KILL_GRACE_MS + 15_000, `rejected ${performance.now() - abortedAt} ms after the abort`);

    // Through the public API, on a decode that is stuck (SIGTERM is ignored there, so this takes the SIGKILL path).
    const ac2 = new AbortController();
    const stuck = framesAt(fifo, [0.5], 64, { signal: ac2.signal });
    setTimeout(() => ac2.abort(), 200);
    await assert.rejects(stuck, (e: unknown) => e instanceof FfmpegAbortError && e.file === fifo && gone(e.pid));

    // Already aborted: nothing is started.
    await assert.rejects(
      probe(clip, { signal: AbortSignal.abort() }),
      (e: unknown) => e instanceof FfmpegAbortError && e.pid === undefined,
    );
  },
);

/** Processes whose command line mentions `file` (Linux /proc). */
function processesOn(file: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(file);
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('cancelling a scan job kills its ffmpeg/ffprobe at once; the video stays pending, not broken', { timeout: 120_000 }, async () => {
  const db = openDb(path.join(dir, 'scan.db'));
  try {
    const library = new LibraryRepo(db);
    const root = library.addRoot(dir);
    library.upsertFiles(root.id, [{ path: fifo, name: path.basename(fifo), sizeBytes: 0, mtimeMs: 1 }]);
    const cnn = async (): Promise<CnnClient> => {
      throw new Error('the CNN is never reached');
    };
    const service = new ScanService(library, new ScansRepo(db), cnn, path.join(dir, 'scan-thumbs'), () => ({
      ...DEFAULT_SCAN_SETTINGS,
      k: 3,
      decoders: 1,
    }));
    const q = new JobQueue();
    const todo = library.pendingVideos();
    const id = q.enqueue('scan', (ctx) => service.scanAll(todo, 'student', ctx, () => assert.fail('no video finishes')));
    const t0 = performance.now();
    while (!processesOn(fifo).length && performance.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
    assert.ok(processesOn(fifo).length, 'the probe of the stuck file is running');
    const cancelledAt = performance.now();
    q.cancel(id);
    const job = await q.wait(id);
    assert.equal(job.state, 'cancelled');
    assert.ok(performance.now() - cancelledAt < KILL_GRACE_MS + 15_000, 'not waited out to the probe timeout');
    assert.deepEqual(processesOn(fifo), [], 'no ffmpeg/ffprobe left running');
    const row = library.video(todo[0].id)!;
    assert.equal(row.status, 'pending');
    assert.equal(row.error, null);
  } finally {
    db.close();
  }
});

test('a failed run names the file, the exit code and the last stderr lines; callers turn it into a clear MediaError', async () => {
  const bad = path.join(dir, 'text.mp4');
  fs.writeFileSync(bad, 'a shopping list, not a video\n');
  await assert.rejects(
    runFfmpeg(['-v', 'error', '-i', bad, '-f', 'null', '-'], { file: bad, timeoutMs: 600_000, stdout: 'ignore' }),
    (e: unknown) => {
      assert.ok(e instanceof FfmpegError);
      assert.equal(e.failure, 'exit');
      assert.match(e.message, /^ffmpeg exited with code 1 on .*text\.mp4: .*Invalid data found when processing input/);
      assert.match(e.stderrTail, /Invalid data/);
      return true;
    },
  );
  await assert.rejects(
    framesAt(bad, [0.5], 32),
    (e: unknown) =>
      e instanceof MediaError &&
      /^could not decode frames: .*Invalid data found/.test(e.message) &&
      e.cause instanceof FfmpegError &&
      e.retryable === false,
  );
});

test('ffmpeg and ffprobe run with glibc malloc tuned for fewer page faults; a tunable the user set is kept', () => {
  const ours = 'glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.top_pad=67108864';
  assert.equal(toolEnv({ PATH: '/bin' }).GLIBC_TUNABLES, ours);
  assert.equal(toolEnv({ PATH: '/bin' }).PATH, '/bin', 'the rest of the environment passes through');
  assert.equal(toolEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).GLIBC_TUNABLES, `glibc.malloc.arena_max=2:${ours}`);
  assert.equal(
    toolEnv({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0:glibc.malloc.top_pad=0' }).GLIBC_TUNABLES,
    'glibc.malloc.hugetlb=0:glibc.malloc.top_pad=0:glibc.malloc.mmap_threshold=33554432',
    "the user's choice wins, tunable by tunable",
  );
  const all = { GLIBC_TUNABLES: ours.replace(/=\d+/g, '=2') };
  assert.equal(toolEnv(all), all, 'every one set by the user: the environment as it is');
});

test('failures are classified: invalid data is permanent; disk full, permissions, missing tools, timeouts are retryable', () => {
  const fe = (reason: string, failure: 'exit' | 'timeout' = 'exit') => new FfmpegError('x', 'ffmpeg', 'f.mp4', failure, reason, reason, 1);
  assert.equal(fe('moov atom not found; Invalid data found when processing input').retryable, false);
  assert.equal(fe('').retryable, false);
  assert.equal(fe('', 'timeout').retryable, true);
  assert.equal(fe('/cache/thumbs/1.jpg: No space left on device').retryable, true);
  assert.equal(fe('f.mp4: Permission denied').retryable, true);
  const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  assert.equal(asMediaError(enospc)?.retryable, true);
  const eacces = Object.assign(new Error("EACCES: permission denied, open 'f.mp4'"), { code: 'EACCES' });
  assert.match(asMediaError(eacces)?.message ?? '', /^permission denied: /);
  assert.equal(asMediaError(new FfmpegAbortError('ffmpeg', 'f.mp4', 1)), null, 'an abort says nothing about the file');
  assert.equal(asMediaError(new TypeError('a bug')), null, 'bugs are not recorded as file errors');
});

test('under load: many concurrent decodes of a valid video all succeed with the right frames', { timeout: 600_000 }, async () => {
  // Far more ffmpeg processes than cores (the machine is busy), default limits. Every decode must come back whole:
  // a finished decode whose exit is seen after its output closed is still a success.
  const p = await probe(clip);
  const jobs = Array.from({ length: 24 }, (_, i) =>
    i % 3 === 0
      ? framesAtRate(clip, 5, 100, 32).then((f) => ({ f, want: 10 }))
      : i % 3 === 1
        ? framesAt(clip, [0.25, 0.75, 1.25, 1.75], 32).then((f) => ({ f, want: 4 }))
        : sampleFrames(clip, { kind: 'uniform', k: 5 }, 64, p).then((f) => ({ f, want: 5 })),
  );
  const results = await Promise.allSettled(jobs);
  const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
  assert.deepEqual(failed, [], 'no false failure');
  for (const r of results) {
    const { f, want } = (r as PromiseFulfilledResult<{ f: { timeS: number; rgb: Uint8Array }[]; want: number }>).value;
    assert.equal(f.length, want);
    assert.ok(f.every((x, i) => x.timeS >= 0 && x.timeS < 2 && (i === 0 || x.timeS > f[i - 1].timeS)));
    assert.ok(
      f.every((x) => x.rgb.some((v) => v > 60)),
      'real pictures, not black',
    );
  }
});

test('thumbnails: a JPEG of the requested width, written atomically; a bad file or a time past the end is a MediaError', async () => {
  const out = path.join(dir, 'thumbs', 'clip.jpg');
  await writeThumbnail(clip, 1, out, 80);
  const size = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height,codec_name', '-of', 'csv=p=0', out], {
    encoding: 'utf8',
  }).trim();
  assert.equal(size, 'mjpeg,80,60');
  const bad = path.join(dir, 'bad.mp4');
  fs.writeFileSync(bad, 'text');
  await assert.rejects(
    writeThumbnail(bad, 0, path.join(dir, 'thumbs', 'bad.jpg')),
    (e: unknown) => e instanceof MediaError && /^thumbnail failed: /.test(e.message),
  );
  await assert.rejects(
    writeThumbnail(clip, 50, path.join(dir, 'thumbs', 'late.jpg')),
    (e: unknown) => e instanceof MediaError && /no frame at 50/.test(e.message),
  );
  assert.deepEqual(fs.readdirSync(path.join(dir, 'thumbs')), ['clip.jpg'], 'no half-written or temp file left behind');
});

/** A picture's mean colour, [r, g, b]. */
function meanColour(f: string): number[] {
  return [
    ...execFileSync('ffmpeg', ['-v', 'error', '-i', f, '-vf', 'scale=1:1:flags=area', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']),
  ];
}

test('frame pictures from the frames a scan decoded: one JPEG each, letterbox cropped, showing that frame', async () => {
  // 2:1 video, red for a second then blue: decoded as the CNN gets it (letterboxed squares), then written as pictures.
  const clip2 = makeVideo(path.join(dir, 'wide.mp4'), {
    seconds: 2,
    source: 'color=red:size=128x64:rate=10:d=1[a];color=blue:size=128x64:rate=10:d=1[b];[a][b]concat',
  });
  const frames = await framesAt(clip2, [0.2, 1.5], 64);
  const out = [0, 1].map((i) => path.join(dir, 'frames', `v-${i}.jpg`));
  await writeFrameJpegs(
    frames.map((f) => f.rgb),
    64,
    letterboxContent(2, 1, 64),
    out,
    80,
  );
  const info = (f: string) =>
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', f], { encoding: 'utf8' }).trim();
  assert.deepEqual(out.map(info), ['64,32', '64,32'], 'the video’s own 2:1 shape, no black bars, never enlarged past the decoded frame');
  // the mean colour of each picture: red first, blue second (the frames' own content, in order)
  const [a, b] = out.map(meanColour);
  assert.ok(a[0] > 200 && a[2] < 60, `first is red: ${a}`);
  assert.ok(b[2] > 200 && b[0] < 60, `second is blue: ${b}`);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'frames')).sort(), ['v-0.jpg', 'v-1.jpg'], 'no temp folder left behind');
});

test('a decode that writes its frames as JPEGs: the same RGB frames, and the very pictures the separate encoder makes', async () => {
  const clip2 = makeVideo(path.join(dir, 'wide2.mp4'), {
    seconds: 2,
    source: 'color=red:size=128x64:rate=10:d=1[a];color=blue:size=128x64:rate=10:d=1[b];[a][b]concat',
  });
  const area = letterboxContent(2, 1, 64);
  const pics = path.join(dir, 'pics');
  fs.mkdirSync(pics);
  const plain = await framesAt(clip2, [0.2, 1.5], 64);
  const runs = toolRuns.ffmpeg;
  const withJpegs = await framesAt(clip2, [0.2, 1.5], 64, { pictures: { dir: pics, area, widths: [80, 40] } });
  assert.equal(toolRuns.ffmpeg - runs, 1, 'one ffmpeg decodes and writes the pictures');
  assert.deepEqual(
    withJpegs.map((f) => [f.timeS, Buffer.from(f.rgb).toString('base64')]),
    plain.map((f) => [f.timeS, Buffer.from(f.rgb).toString('base64')]),
    'the CNN gets the same frames, byte for byte',
  );
  // the encoder fed the decoded frames (what a scan did before) makes the same pictures, pixel for pixel
  const sep = [0, 1].map((i) => path.join(dir, 'sep', `${i}.jpg`));
  await writeFrameJpegs(
    plain.map((f) => f.rgb),
    64,
    area,
    sep,
    80,
  );
  const pixels = (f: string) => execFileSync('ffmpeg', ['-v', 'error', '-i', f, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  const size = (f: string) =>
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', f], { encoding: 'utf8' }).trim();
  withJpegs.forEach((f, i) => {
    assert.equal(f.jpegs?.length, 2, 'one JPEG a width');
    assert.ok(pixels(f.jpegs![0]).equals(pixels(sep[i])), `frame ${i}: the same picture as the separate encoder's`);
    assert.deepEqual(f.jpegs!.map(size), ['64,32', '40,20'], 'each width, the video’s own 2:1 shape');
  });
  // the cache's orphan sweep (a pruned library) reads `<video id>-….jpg` as a video's file: these are never taken for one
  removeOrphans(pics, new Set());
  assert.ok(
    withJpegs.every((f) => f.jpegs!.every((j) => fs.existsSync(j))),
    'pictures in flight survive the orphan sweep',
  );
  const red = meanColour(withJpegs[0].jpegs![1]);
  assert.ok(red[0] > 200 && red[2] < 60, `the first frame's picture is red: ${red}`);
});

test('scene cuts: a hard cut from red to blue is found where it is', async () => {
  const cut = makeVideo(path.join(dir, 'cut.mp4'), {
    seconds: 2,
    source: 'color=red:size=64x64:rate=10:d=1[a];color=blue:size=64x64:rate=10:d=1[b];[a][b]concat',
  });
  const cuts = await sceneCuts(cut);
  assert.equal(cuts.length, 1, cuts.join(','));
  assert.ok(Math.abs(cuts[0] - 1) < 0.11, `cut at ${cuts[0]}`);
});
