// The awkward-file matrix, every file made by ffmpeg here: containers (gif, webm, mkv, avi, mov, ts), odd pixel
// formats, rotation, huge dimensions, VFR, a single frame, audio-only, cover art only, zero bytes, truncated,
// text renamed .mp4. Each either gives right frames (size, count, timestamps inside the clip) or a clear
// MediaError, and through the indexer a broken file is recorded with its error while the rest goes on.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { IndexService } from '../../main/library/index-service.ts';
import { MediaError, probe, type RawFrame } from '../../main/media/ffmpeg.ts';
import { sampleFrames, type Strategy } from '../../main/media/strategies.ts';
import { openDb } from '../../main/store/db.ts';
import { IndexRepo } from '../../main/store/index-repo.ts';
import { LibraryRepo } from '../../main/store/library-repo.ts';
import { tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
const S = 32;
const src = (size = '96x64', rate = 10) => `testsrc2=size=${size}:rate=${rate}`;
const ff = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: 'pipe' });
const x264 = (pix = 'yuv420p') => ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', pix];

type Case = { file: string; make: (f: string) => void; expect: 'frames' | RegExp; durationS?: number };
const cases: Case[] = [
  { file: 'anim.gif', make: (f) => ff('-f', 'lavfi', '-i', src(), '-t', '2', f), expect: 'frames' },
  {
    file: 'vp9.webm',
    make: (f) => ff('-f', 'lavfi', '-i', src(), '-t', '2', '-c:v', 'libvpx-vp9', '-b:v', '100k', '-deadline', 'realtime', f),
    expect: 'frames',
  },
  { file: 'h264.mkv', make: (f) => ff('-f', 'lavfi', '-i', src(), '-t', '2', ...x264(), f), expect: 'frames' },
  { file: 'mpeg4.avi', make: (f) => ff('-f', 'lavfi', '-i', src(), '-t', '2', '-c:v', 'mpeg4', f), expect: 'frames' },
  {
    file: 'mjpeg yuvj422p.avi',
    make: (f) => ff('-f', 'lavfi', '-i', src(), '-t', '2', '-c:v', 'mjpeg', '-pix_fmt', 'yuvj422p', f),
    expect: 'frames',
  },
  { file: 'clip.mov', make: (f) => ff('-f', 'lavfi', '-i', src(), '-t', '2', ...x264(), f), expect: 'frames' },
  { file: 'mpeg2.ts', make: (f) => ff('-f', 'lavfi', '-i', src(), '-t', '2', '-c:v', 'mpeg2video', f), expect: 'frames' },
  { file: '10-bit.mkv', make: (f) => ff('-f', 'lavfi', '-i', src(), '-t', '2', ...x264('yuv420p10le'), f), expect: 'frames' },
  { file: 'yuv444.mp4', make: (f) => ff('-f', 'lavfi', '-i', src(), '-t', '2', ...x264('yuv444p'), f), expect: 'frames' },
  { file: 'gray.mkv', make: (f) => ff('-f', 'lavfi', '-i', src(), '-t', '2', ...x264('gray'), f), expect: 'frames' },
  { file: 'rgb ffv1.mkv', make: (f) => ff('-f', 'lavfi', '-i', src(), '-t', '2', '-c:v', 'ffv1', '-pix_fmt', 'bgr0', f), expect: 'frames' },
  {
    file: 'odd size 97x61.mp4',
    make: (f) => ff('-f', 'lavfi', '-i', src('97x61'), '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv444p', f),
    expect: 'frames',
  },
  {
    file: 'huge 8K.mp4',
    make: (f) => ff('-f', 'lavfi', '-i', 'color=c=blue:size=7680x4320:rate=2', '-t', '2', ...x264(), f),
    expect: 'frames',
  },
  {
    file: 'vfr.mkv',
    durationS: 5.5,
    // 30 fps for 1 s, then 5 fps for 3 s, then 30 fps again: the timestamps, not the frame count, say where we are.
    make: (f) =>
      ff(
        '-f',
        'lavfi',
        '-t',
        '3',
        '-i',
        src('96x64', 30),
        '-vf',
        "setpts='if(lt(N,30),N/30,if(lt(N,45),1+(N-30)/5,4+(N-45)/30))/TB'",
        '-fps_mode',
        'vfr',
        ...x264(),
        f,
      ),
    expect: 'frames',
  },
  { file: 'one frame.mp4', make: (f) => ff('-f', 'lavfi', '-i', src(), '-frames:v', '1', ...x264(), f), expect: 'frames' },
  {
    file: 'audio only.mkv',
    make: (f) => ff('-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '1', f),
    expect: /no video stream \(audio-only/,
  },
  {
    file: 'cover art only.mp4',
    make: (f) => {
      const png = path.join(dir, 'cover.png');
      ff('-f', 'lavfi', '-i', 'color=red:size=64x64', '-frames:v', '1', png);
      ff(
        '-f',
        'lavfi',
        '-t',
        '1',
        '-i',
        'sine',
        '-i',
        png,
        '-map',
        '0',
        '-map',
        '1',
        '-c:a',
        'aac',
        '-c:v',
        'png',
        '-disposition:v:0',
        'attached_pic',
        f,
      );
    },
    expect: /no video stream/,
  },
  { file: 'zero bytes.mp4', make: (f) => fs.writeFileSync(f, ''), expect: /not a readable video/ },
  { file: 'text renamed.mp4', make: (f) => fs.writeFileSync(f, 'This is a shopping list, not a video.\n'), expect: /not a readable video/ },
  {
    file: 'truncated moov-at-end.mp4',
    make: (f) => {
      const full = path.join(dir, 'full.mp4');
      ff('-f', 'lavfi', '-i', src(), '-t', '4', ...x264(), full);
      fs.writeFileSync(f, fs.readFileSync(full).subarray(0, 3000));
    },
    expect: /not a readable video: moov atom not found/,
  },
  {
    // The index is at the front, the data is cut: what can be decoded comes out, the timestamps say from where.
    file: 'truncated faststart.mp4',
    make: (f) => {
      const full = path.join(dir, 'fs.mp4');
      ff('-f', 'lavfi', '-i', src(), '-t', '4', ...x264(), '-movflags', '+faststart', full);
      const b = fs.readFileSync(full);
      fs.writeFileSync(f, b.subarray(0, Math.floor(b.length * 0.6)));
    },
    expect: 'frames',
  },
];

before(() => {
  for (const c of cases) c.make(path.join(dir, c.file));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function checkFrames(name: string, frames: RawFrame[], durationS: number, max: number) {
  assert.ok(frames.length >= 1 && frames.length <= max, `${name}: ${frames.length} frames`);
  for (const f of frames) {
    assert.equal(f.rgb.length, S * S * 3, name);
    assert.ok(f.timeS >= -0.05 && f.timeS <= durationS + 0.05, `${name}: frame at ${f.timeS} s of ${durationS}`);
  }
  assert.ok(
    frames.every((f, i) => i === 0 || f.timeS >= frames[i - 1].timeS),
    `${name}: timestamps go forward`,
  );
  // Not a black frame from a failed conversion: testsrc2 and the colours all have light pixels.
  assert.ok(
    frames.some((f) => f.rgb.some((x) => x > 60)),
    `${name}: frames are not black`,
  );
}

for (const c of cases) {
  test(`${c.file}: ${c.expect === 'frames' ? 'frames come out right' : 'a clear error'}`, { timeout: 60_000 }, async () => {
    const file = path.join(dir, c.file);
    if (c.expect !== 'frames') {
      const re = c.expect;
      await assert.rejects(
        async () => sampleFrames(file, { kind: 'uniform', k: 5 }, S, await probe(file)),
        (e: Error) => e instanceof MediaError && re.test(e.message),
        c.file,
      );
      return;
    }
    const p = await probe(file);
    assert.ok(p.width > 0 && p.height > 0 && p.durationS > 0, c.file);
    if (c.durationS) assert.ok(Math.abs(p.durationS - c.durationS) < 0.5, `${c.file}: duration ${p.durationS}`);
    const strategies: Strategy[] = [
      { kind: 'uniform', k: 5 },
      { kind: 'rate', fps: 1 },
    ];
    for (const s of strategies)
      checkFrames(
        `${c.file} ${s.kind}`,
        await sampleFrames(file, s, S, p),
        p.durationS,
        s.kind === 'rate' ? Math.ceil(p.durationS) + 1 : 5,
      );
  });
}

test('VFR: uniform frames are spread by time, not by frame count', async () => {
  const file = path.join(dir, 'vfr.mkv');
  const p = await probe(file);
  const frames = await sampleFrames(file, { kind: 'uniform', k: 5 }, S, p);
  assert.equal(frames.length, 5);
  // Each is the first frame at or after its target (k equal segments' centres); the slow part has a frame every 0.2 s.
  frames.forEach((f, i) => {
    const target = ((i + 0.5) * p.durationS) / 5;
    assert.ok(f.timeS >= target - 1e-3 && f.timeS - target < 0.21, `frame ${i} at ${f.timeS} for target ${target}`);
  });
});

test('8K: probed at full size, decoded straight to the requested size', async () => {
  const p = await probe(path.join(dir, 'huge 8K.mp4'));
  assert.deepEqual([p.width, p.height], [7680, 4320]);
});

test(
  'indexing the whole matrix: every broken file is recorded with its error, every good one is probed',
  { timeout: 120_000 },
  async () => {
    const db = openDb(path.join(dir, 'matrix.db'));
    try {
      const library = new LibraryRepo(db);
      const repo = new IndexRepo(db);
      const root = library.addRoot(dir);
      const old = new Date(Date.now() - 3600_000);
      for (const c of cases) fs.utimesSync(path.join(dir, c.file), old, old);
      await new IndexService(repo, library, { settleMs: 0, settleCheckMs: 0, probeConcurrency: 2, probe: true }).indexRoot(root, {
        signal: new AbortController().signal,
        progress: () => {},
      });
      const rows = new Map(library.list({ limit: 1000, offset: 0 }).rows.map((v) => [v.name, v]));
      for (const c of cases) {
        const v = rows.get(c.file);
        assert.ok(v, `${c.file} was indexed`);
        if (c.expect === 'frames') assert.ok(v.status === 'pending' && (v.duration_s ?? 0) > 0, `${c.file}: ${v.status} ${v.error}`);
        else {
          assert.equal(v.status, 'error', c.file);
          assert.match(v.error ?? '', c.expect, c.file);
        }
      }
      assert.deepEqual(
        repo
          .errors()
          .map((e) => path.basename(e.path))
          .sort(),
        cases
          .filter((c) => c.expect !== 'frames')
          .map((c) => c.file)
          .sort(),
      );
    } finally {
      db.close();
    }
  },
);
