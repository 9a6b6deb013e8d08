// The job bar moves within a single video (issue 13: "a teacher scan of a 4-second clip showed no progress for
// 32 s"): during a teacher scan of one clip, the bar's value and its text ("analysing frame 12 of 60") change
// while that one video is under way, in Chromium against the real server and its event stream.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { screenshotPath } from '../helpers/browser.ts';
import { makeVideo } from '../helpers/fixtures.ts';
import { openPage, startApp, type AppFixture } from './app.ts';

let app: AppFixture;
before(async () => {
  process.env.GLIMPSE_CNN_WORKERS = '1';
  app = await startApp({ library: false });
});
after(async () => {
  await app?.close();
});

test(
  'a teacher scan of one clip: the job bar shows its frames, its value moving before the clip is done',
  { timeout: 600_000 },
  async () => {
    const lib = path.join(app.dir, 'one');
    // 30 s: the teacher looks at 60 frames (its minimum), one video's work for the CNN
    makeVideo(path.join(lib, 'one clip.mp4'), { source: 'testsrc2=size=320x240:rate=25', seconds: 30 });
    const { jobId } = await app.engine.call('library.addRoot', { path: lib, scan: false });
    assert.equal((await app.engine.jobs.wait(jobId!)).state, 'done');
    const { page, errors } = await openPage(app);
    await page.locator('input.search').waitFor();

    const { videos } = await app.engine.call('library.videos', {});
    const scan = await app.engine.call('scan.start', { kind: 'teacher', videoIds: [videos[0].id] });
    let finished = false;
    const ended = app.engine.jobs.wait(scan.jobId).then((j) => {
      finished = true;
      return j;
    });

    // what a person sees, sampled until the job ends: the bar's value and its words
    const bar = page.getByTestId('job');
    const seen: { value: number; max: number; text: string }[] = [];
    let shot = false;
    while (!finished) {
      const sample = await bar
        .evaluate(
          (el) => {
            const p = el.querySelector('progress') as HTMLProgressElement | null;
            return {
              value: p?.value ?? -1,
              max: p?.max ?? -1,
              text: (el.querySelector('.jobtext') as HTMLElement | null)?.innerText ?? '',
            };
          },
          undefined,
          { timeout: 1000 },
        )
        .catch(() => null);
      if (sample) {
        seen.push(sample);
        if (!shot && sample.value > 0.3 && sample.value < 1 && /analysing frame/.test(sample.text)) {
          await page.screenshot({ path: screenshotPath('job-progress-frames') });
          shot = true;
        }
      }
      await page.waitForTimeout(100);
    }
    const job = await ended;
    assert.equal(job.state, 'done', job.error ?? '');

    const within = seen.filter((s) => s.max === 1 && s.value > 0 && s.value < 1);
    const values = new Set(within.map((s) => s.value));
    assert.ok(values.size >= 3, `the bar moved inside the one video: ${JSON.stringify([...values])}`);
    const frames = within
      .map((s) => /0\/1 · .*video 1 of 1 · (decoding|analysing) frame (\d+) of (\d+) · one clip\.mp4/.exec(s.text))
      .filter(Boolean);
    assert.ok(frames.length >= 2, `the text says which frame: ${JSON.stringify(within.map((s) => s.text))}`);
    const analysed = new Set(frames.filter((f) => f![1] === 'analysing').map((f) => Number(f![2])));
    assert.ok(analysed.size >= 2, `the frame count moves: ${[...analysed].join(', ')}`);
    for (const f of frames) assert.ok(Number(f![2]) <= Number(f![3]) && Number(f![3]) === 60, f![0]);
    // the value never goes back while the job runs
    for (let i = 1; i < within.length; i++)
      assert.ok(within[i].value >= within[i - 1].value, `${within[i - 1].value} → ${within[i].value}`);
    assert.ok(shot, 'a screenshot of the bar mid-video');
    assert.deepEqual(errors, []);
    await page.close();
  },
);
