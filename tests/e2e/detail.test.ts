// Video detail: playback through the media route (byte ranges), the keyframe strip with per-frame detections,
// tags with confidences and the times they were seen (click to seek), and the teacher scan on this video or on
// a selection made in the library.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { screenshotPath } from '../helpers/browser.ts';
import { openPage, startApp, type AppFixture } from './app.ts';

let app: AppFixture;
// A short teacher (8 frames per clip) keeps the full-frame scan quick on two cores.
before(async () => {
  app = await startApp({ scan: { teacherMinFrames: 8 } });
});
after(async () => {
  await app?.close();
});

const idOf = async (name: string) => (await app.engine.call('library.search', { q: `name:"${name}"` })).videos[0].id;

test('playback with ranges, keyframes with detections, seek from frames and tag times', async () => {
  const id = await idOf('person.mp4');
  const { page, errors } = await openPage(app, `#/video/${id}`);
  const ranges: number[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === `/media/${id}`) ranges.push(r.status());
  });
  await page.getByRole('heading', { name: 'person.mp4' }).waitFor();

  // The player really loads the file (metadata → duration) through the token-protected media route.
  const player = page.getByTestId('player');
  await page.waitForFunction(() => (document.querySelector('[data-testid=player]') as HTMLVideoElement).readyState >= 1, undefined, {
    timeout: 20_000,
  });
  const duration = await player.evaluate((v: HTMLVideoElement) => v.duration);
  assert.ok(duration > 1.5 && duration < 2.5, `duration ${duration}`);

  // The keyframe strip: k=2 frames, each image decoded, each with its detections listed.
  const frames = page.getByRole('list', { name: 'Keyframes' }).locator(':scope > li');
  assert.equal(await frames.count(), 2);
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.strip img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0),
  );
  assert.match(await frames.first().locator('.det').innerText(), /person \d+%/);

  // Clicking the second keyframe seeks the player to its time.
  const detail = await app.engine.call('library.video', { id });
  await frames.nth(1).locator('button.frame').click();
  await page.waitForFunction(
    (t) => Math.abs((document.querySelector('[data-testid=player]') as HTMLVideoElement).currentTime - t) < 0.1,
    detail.frames[1].timeS,
  );
  assert.ok(await frames.nth(1).evaluate((el) => el.classList.contains('active')));

  // Tags: confidence, source, and the times seen — clicking a time seeks there.
  const tag = page.locator('.tags > li[data-tag="person"]');
  assert.match(await tag.innerText(), /person\s+\d+%\s+student/);
  const times = tag.locator('button.ts');
  assert.equal(await times.count(), detail.frames.filter((f) => f.detections.some((d) => d.tag === 'person')).length);
  await times.first().click();
  await page.waitForFunction(
    (t) => Math.abs((document.querySelector('[data-testid=player]') as HTMLVideoElement).currentTime - t) < 0.1,
    detail.frames[0].timeS,
  );
  assert.ok(ranges.includes(206), `the player asked for byte ranges (${ranges.join(',')})`);
  await page.screenshot({ path: screenshotPath('detail-person') });

  // A file ffmpeg cannot read says so, readably.
  await page.goto(`${app.server.url.replace(/\/\?token=.*/, '/')}#/video/${await idOf('broken.mp4')}`);
  await page
    .getByRole('alert')
    .filter({ hasText: /could not be read/ })
    .waitFor();
  await page.screenshot({ path: screenshotPath('detail-broken') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('teacher scan on this video, then on a library selection', async () => {
  const id = await idOf('pattern one.mp4');
  const { page, errors } = await openPage(app, `#/video/${id}`);
  await page.getByRole('heading', { name: 'pattern one.mp4' }).waitFor();
  await page.getByRole('button', { name: /Run teacher scan/ }).click();
  await page.getByTestId('job').filter({ hasText: 'Teacher scan' }).waitFor();
  await page.screenshot({ path: screenshotPath('detail-teacher-running') });
  await page.getByTestId('job').waitFor({ state: 'detached', timeout: 120_000 });
  await page.locator('table tbody tr', { hasText: 'teacher' }).waitFor();
  const scans = (await app.engine.call('library.video', { id })).scans;
  assert.deepEqual(scans.map((s) => s.kind).sort(), ['student', 'teacher']);
  assert.ok(scans.find((s) => s.kind === 'teacher')!.frames > scans.find((s) => s.kind === 'student')!.frames);

  // Library: select two videos, run the teacher on just those.
  await page.getByRole('link', { name: '← Library' }).click();
  await page.locator('[data-video-id]').first().waitFor();
  const pick = ['person.mp4', 'ünïcode clip.webm'];
  for (const n of pick) await page.getByLabel(`Select ${n}`).check();
  await page.getByRole('group', { name: 'Selection' }).getByText('2 selected').waitFor();
  await page.screenshot({ path: screenshotPath('library-selection') });
  await page.getByRole('group', { name: 'Selection' }).getByRole('button', { name: 'Teacher scan' }).click();
  await page.getByTestId('job').waitFor();
  await page.getByTestId('job').waitFor({ state: 'detached', timeout: 180_000 });
  for (const n of pick) {
    const v = await app.engine.call('library.video', { id: await idOf(n) });
    assert.ok(
      v.scans.some((s) => s.kind === 'teacher'),
      `${n} has a teacher scan`,
    );
  }
  const broken = await app.engine.call('library.video', { id: await idOf('broken.mp4') });
  assert.ok(!broken.scans.some((s) => s.kind === 'teacher'), 'videos outside the selection are untouched');
  assert.deepEqual(errors, []);
  await page.close();
});
