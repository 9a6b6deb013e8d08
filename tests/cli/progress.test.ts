// The CLI's progress: on a terminal the bar moves inside a video (its frames) while the count stays whole videos;
// in a log or a pipe, one line per finished video, never four lines a second of frame counts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobInfo } from '../../shared/api.ts';
import { ProgressPrinter, renderBar } from '../../main/cli/progress.ts';

const job = (done: number, message: string, step?: JobInfo['step']): JobInfo => ({
  id: 'j',
  kind: 'scan:teacher',
  state: 'running',
  done,
  total: 2,
  etaS: null,
  message,
  error: null,
  ...(step ? { step } : {}),
});

test('the bar fills with the frames of the video under way; the count says whole videos', () => {
  const mid = renderBar(job(0.5, 'video 1 of 2 · analysing frame 20 of 60 · a.mp4', { what: 'frames analysed', done: 20, total: 60 }), 20);
  assert.equal(mid, '[#####---------------] 0/2 video 1 of 2 · analysing frame 20 of 60 · a.mp4');
  assert.equal(renderBar(job(1, 'a.mp4'), 20), '[##########----------] 1/2 a.mp4');
});

test('a log gets one line per finished video, not the frame counts', () => {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
  const p = new ProgressPrinter(stream);
  p.update(job(0, 'teacher scan'));
  for (let f = 1; f <= 5; f++)
    p.update(job(f / 10, `video 1 of 2 · analysing frame ${f} of 10 · a.mp4`, { what: 'frames analysed', done: f, total: 10 }));
  p.update(job(1, 'a.mp4'));
  assert.deepEqual(lines, ['0/2 teacher scan\n', '1/2 a.mp4\n']);
});
