// The date a video was recorded, read by the one probe from the tags real files carry: the container's creation_time,
// Apple's com.apple.quicktime.creationdate (with its zone), the video stream's own tag; zero dates are no dates.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { probe, recordedAtOf } from '../../main/media/ffmpeg.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir('glimpse-recorded-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const clip = (name: string, args: string[]) =>
  makeVideo(path.join(dir, name), {
    seconds: 0.4,
    source: 'testsrc2=size=160x120:rate=10',
    args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', ...args],
  });

test('creation_time of an mp4 (as cameras write it) is the date recorded', async () => {
  const p = await probe(clip('camera.mp4', ['-metadata', 'creation_time=2021-06-01T10:00:00Z']));
  assert.equal(p.recordedAt, '2021-06-01T10:00:00.000Z');
});

test("Apple's creationdate wins over creation_time, its zone applied", async () => {
  const p = await probe(
    clip('iphone.mov', [
      '-metadata',
      'creation_time=2024-02-02T00:00:00Z', // an export's time
      '-metadata',
      'com.apple.quicktime.creationdate=2023-01-05T10:30:00+0100',
      '-movflags',
      'use_metadata_tags',
    ]),
  );
  assert.equal(p.recordedAt, '2023-01-05T09:30:00.000Z');
});

test('a file without a date has none (not the time it was written)', async () => {
  const p = await probe(clip('nodate.mkv', ['-fflags', '+bitexact']));
  assert.equal(p.recordedAt, null);
});

test('tags as ffprobe reports them: stream tag as a fallback, zero and future dates dropped', () => {
  const now = Date.UTC(2026, 0, 1);
  assert.equal(recordedAtOf(undefined, { creation_time: '2020-05-05T05:05:05.000000Z' }, now), '2020-05-05T05:05:05.000Z');
  assert.equal(recordedAtOf({ creation_time: '1904-01-01T00:00:00.000000Z' }, undefined, now), null);
  assert.equal(
    recordedAtOf({ creation_time: '1970-01-01T00:00:00.000000Z' }, { creation_time: '2019-01-01T00:00:00Z' }, now),
    '2019-01-01T00:00:00.000Z',
  );
  assert.equal(recordedAtOf({ creation_time: '2031-01-01T00:00:00Z' }, undefined, now), null);
  assert.equal(recordedAtOf({ CREATION_TIME: '2022-02-02T02:02:02Z' }, undefined, now), '2022-02-02T02:02:02.000Z');
  assert.equal(recordedAtOf({ creation_time: 'garbage' }, undefined, now), null);
});
