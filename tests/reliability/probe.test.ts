/**
 * Probing a file: a rotated phone video reports the size a person sees (rotation applied), and a hung ffprobe (a
 * fake one, set through the tool-path setting GLIMPSE_FFPROBE, that never answers) is killed at its timeout, which
 * scales with the file's size, and leaves the video a retryable failure, not a broken file; the next rescan with a
 * working ffprobe indexes it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { probe, probeTimeoutMs } from '../../main/media/ffmpeg.ts';
import { makeVideo, runCli, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir('glimpse-probe-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a video carrying rotation 90 probes as its displayed size (width and height swapped)', async () => {
  const coded = makeVideo(path.join(dir, 'coded.mp4'), { source: 'testsrc2=size=160x120:rate=5', seconds: 1 });
  // ffmpeg 5.1 keeps the legacy rotate tag (as a display matrix) only when remuxing
  const rotated = path.join(dir, 'rotated.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', coded, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
  const plain = await probe(coded);
  assert.deepEqual([plain.width, plain.height, plain.rotation], [160, 120, 0]);
  const p = await probe(rotated);
  assert.ok(p.rotation === 90 || p.rotation === 270, `rotation ${p.rotation}`);
  assert.deepEqual([p.width, p.height], [120, 160], 'portrait, as it plays');
  // and that is the size ffmpeg decodes it at (autorotate), so what the library says matches the frames
  const err = execFileSync('sh', ['-c', `ffmpeg -hide_banner -i '${rotated}' -frames:v 1 -vf showinfo -f null - 2>&1`], {
    encoding: 'utf8',
  });
  assert.match(err, /n:\s+0 .* s:120x160 /);
});

test('the probe limit scales with the file size', () => {
  const small = path.join(dir, 'small.bin'),
    big = path.join(dir, 'big.bin');
  fs.writeFileSync(small, Buffer.alloc(1000));
  fs.closeSync(fs.openSync(big, 'w'));
  fs.truncateSync(big, 40e9); // a sparse 40 GB file: a recording listed packet by packet must not be cut off
  const a = probeTimeoutMs(small),
    b = probeTimeoutMs(big);
  assert.ok(a >= 1000 && a <= 60_000, `a 1 KB file: ${a} ms`);
  assert.ok(b > a + 1_000_000, `a 40 GB file gets the time to read it from a slow disk: ${b} ms`);
});

test(
  'a hung ffprobe is killed at its timeout; the video is a retryable failure and the next rescan indexes it',
  { timeout: 240_000 },
  async () => {
    const lib = path.join(dir, 'lib');
    makeVideo(path.join(lib, 'fine.mp4'), { source: 'testsrc2=size=160x120:rate=5', seconds: 1 });
    const fake = path.join(dir, 'ffprobe-hangs');
    // answers the version check (so it is accepted as the tool), then hangs on every file like a dead network mount
    fs.writeFileSync(fake, '#!/bin/sh\nif [ "$1" = "-version" ]; then echo "ffprobe version 0-hung"; exit 0; fi\nexec sleep 3599\n', {
      mode: 0o755,
    });
    const db = path.join(dir, 'g.db');
    const env = { GLIMPSE_CNN_WORKERS: '1', GLIMPSE_SETTLE_MS: '0' };
    const hung = await runCli(['add', lib, '--no-scan', '--db', db], {
      env: { ...env, GLIMPSE_FFPROBE: fake, GLIMPSE_PROBE_TIMEOUT_S: '1' },
    });
    assert.equal(hung.code, 1, 'the run did not do its work: a non-zero exit');
    assert.match(
      hung.stdout,
      /retry: .*fine\.mp4: ffprobe did not finish within [\d.]+ s \(GLIMPSE_PROBE_TIMEOUT_S\) .*timeout, process killed/,
    );
    const row = () => {
      const d = new Database(db, { readonly: true });
      try {
        return d.prepare(`SELECT status, error, error_retryable, width, height FROM videos`).get() as {
          status: string;
          error: string | null;
          error_retryable: number;
          width: number | null;
          height: number | null;
        };
      } finally {
        d.close();
      }
    };
    const r1 = row();
    assert.equal(r1.status, 'pending', 'not marked broken');
    assert.equal(r1.error_retryable, 1);
    assert.match(r1.error ?? '', /timeout/);
    const sleeping = execFileSync('sh', ['-c', `pgrep -f '[s]leep 3599' || true`], { encoding: 'utf8' }).trim();
    assert.equal(sleeping, '', 'the hung ffprobe was killed, not left behind');

    const fixed = await runCli(['rescan', '--no-scan', '--db', db], { env });
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    const r2 = row();
    assert.deepEqual([r2.status, r2.error, r2.error_retryable, r2.width, r2.height], ['pending', null, 0, 160, 120]);
  },
);
