// Video detail: playback through the media route (byte ranges), the keyframe strip with per-frame detections that
// follows playback, tags with their explained confidence, the tag timeline (marks where frames of either scan show a
// tag; click to seek), starting at a tag's clearest moment, frame pictures stored at scan time, unreadable files, and
// the teacher scan on this video or on a selection made in the library.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { frameJpegPath } from '../../main/media/cache.ts';
import { screenshotPath } from '../helpers/browser.ts';
import { openPage, startApp, type AppFixture } from './app.ts';
import { seriousViolations } from './axe.ts';

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
  // One number per tag on the page: a frame lists what it shows; its detector score is in the tooltip, said as such.
  assert.match(await frames.first().locator('.det').innerText(), /person/);
  assert.match((await frames.first().locator('.det li').first().getAttribute('title'))!, /detector's score for person on this frame: \d+%/);

  // Clicking the second keyframe seeks the player to its time.
  const detail = await app.engine.call('library.video', { id });
  await frames.nth(1).locator('button.frame').click();
  await page.waitForFunction(
    (t) => Math.abs((document.querySelector('[data-testid=player]') as HTMLVideoElement).currentTime - t) < 0.1,
    detail.frames[1].timeS,
  );
  assert.ok(await frames.nth(1).evaluate((el) => el.classList.contains('active')));

  // The highlighted frame follows playback: moving the player to the first frame's time highlights that frame.
  await player.evaluate((v: HTMLVideoElement, t) => (v.currentTime = t), detail.frames[0].timeS);
  await page.waitForFunction(() => document.querySelector('.strip > li.active')?.getAttribute('data-frame') === '0');

  // Tags: one confidence (the model's probability), its source, and what it means on a click.
  const tag = page.locator('.tags > li[data-tag="person"]');
  const person = detail.tags.find((t) => t.tag === 'person')!;
  assert.match(await tag.innerText(), new RegExp(`person\\s+${Math.round(person.probability! * 100)}%\\s+student`));
  await tag.getByRole('button', { name: /what does this mean/ }).click();
  const explain = await tag.getByTestId('explain').innerText();
  assert.match(explain, /student.*estimated probability that “person” appears somewhere in this video/);
  assert.match(explain, new RegExp(`from ${Math.round(person.threshold! * 100)}% up`));

  // The timeline: one mark per looked-at frame whose score for the tag reaches the line; a click seeks there.
  const marks = page.locator('.trow[data-tag="person"] button.mark');
  assert.equal(await marks.count(), detail.moments.person.length);
  assert.ok(detail.moments.person.length > 0, 'the person is seen on some frame');
  const last = detail.moments.person.at(-1)!;
  await marks.last().click();
  await page.waitForFunction(
    (t) => Math.abs((document.querySelector('[data-testid=player]') as HTMLVideoElement).currentTime - t) < 0.1,
    last.timeS,
  );
  assert.ok(ranges.includes(206), `the player asked for byte ranges (${ranges.join(',')})`);
  await page.screenshot({ path: screenshotPath('detail-person') });
  await page.locator('.cols').screenshot({ path: screenshotPath('detail-timeline') });
  assert.deepEqual(await seriousViolations(page), [], 'axe-core: no serious violations on the video page');
  assert.deepEqual(errors, []);
  await page.close();
});

test('first open is served from what the scan stored: frame pictures exist before the page asks', async () => {
  const id = await idOf('person.mp4');
  const detail = await app.engine.call('library.video', { id });
  const scan = detail.scans.find((s) => s.kind === 'student')!;
  // Written by the scan from the frames it decoded: opening the page runs no ffmpeg for them.
  for (const f of detail.frames)
    assert.ok(fs.existsSync(frameJpegPath(app.engine.cacheDir, id, scan.id, f.index)), `frame ${f.index} cached`);
  // The same file (inode) after the page showed it: read, not re-extracted (a re-extraction renames a new file in).
  const ino = fs.statSync(frameJpegPath(app.engine.cacheDir, id, scan.id, 0)).ino;
  const { page, errors } = await openPage(app, `#/video/${id}`);
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.strip img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0),
  );
  // Reported, not asserted (the machine is shared): from navigation start, when the page's data and the last frame
  // picture arrived.
  const t = await page.evaluate(() => {
    const frames = performance.getEntriesByType('resource').filter((e) => e.name.includes('/frame/')) as PerformanceResourceTiming[];
    return {
      mounted: Number(document.querySelector('.detail')?.getAttribute('data-opened-ms')),
      data: Number(document.querySelector('.detail')?.getAttribute('data-load-ms')),
      framesDone: Math.round(Math.max(...frames.map((f) => f.responseEnd))),
      slowestFrame: Math.round(Math.max(...frames.map((f) => f.responseEnd - f.requestStart))),
    };
  });
  console.log(
    `# first open of a video page (ms from navigation start): page mounted ${t.mounted}, its data +${t.data}, ` +
      `every frame picture shown ${t.framesDone} (slowest picture request ${t.slowestFrame})`,
  );
  assert.equal(fs.statSync(frameJpegPath(app.engine.cacheDir, id, scan.id, 0)).ino, ino, 'the page read the stored picture');
  assert.deepEqual(errors, []);
  await page.close();
});

test('opening a video for a tag starts at its clearest moment', async () => {
  const id = await idOf('person.mp4');
  const detail = await app.engine.call('library.video', { id });
  const best = detail.moments.person.reduce((b, m) => (m.score > b.score ? m : b));
  const { page, errors } = await openPage(app, `#/video/${id}?tag=person`);
  await page.waitForFunction(
    (t) => {
      const v = document.querySelector('[data-testid=player]') as HTMLVideoElement | null;
      return !!v && v.readyState >= 1 && Math.abs(v.currentTime - t) < 0.1;
    },
    best.timeS,
    { timeout: 20_000 },
  );
  await page
    .getByTestId('started-at')
    .filter({ hasText: /clearest moment of “person”/ })
    .waitFor();
  // The same from a library search for the tag: the search's tag decides where the video starts.
  await page.goto(`${app.server.url}#/library?q=person`);
  await page.locator('[data-video-id]').first().waitFor();
  await page.locator(`[data-video-id="${id}"] a.open`).click();
  await page
    .getByTestId('started-at')
    .filter({ hasText: /“person”/ })
    .waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test('an unreadable file says why (ffmpeg’s words), with no player and no scan to offer', async () => {
  const id = await idOf('broken.mp4');
  const v = await app.engine.call('library.video', { id });
  assert.equal(v.status, 'error');
  const { page, errors } = await openPage(app, `#/video/${id}`);
  const box = page.getByTestId('unreadable');
  await box.waitFor();
  assert.match(await box.innerText(), /cannot be read/);
  assert.ok((await box.innerText()).includes(v.error!), 'the reason shown is the stored ffmpeg reason');
  assert.equal(await page.getByTestId('player').count(), 0, 'no empty player');
  assert.equal(await page.getByRole('button', { name: /teacher scan/i }).count(), 0, 'no scan offered');
  assert.equal(await page.getByText('Not scanned yet').count(), 0);
  await page.screenshot({ path: screenshotPath('detail-broken') });
  assert.deepEqual(await seriousViolations(page), []);

  // A zero-byte file (a copy that never finished) is unreadable too, and says so, instead of "Not scanned yet".
  fs.writeFileSync(path.join(app.lib!.dir, 'empty.mp4'), '');
  const job = await app.engine.jobs.wait((await app.engine.call('library.rescan', { scan: false })).jobId);
  assert.equal(job.state, 'done');
  const empty = await idOf('empty.mp4');
  await page.goto(`${app.server.url}#/video/${empty}`);
  await page
    .getByTestId('unreadable')
    .filter({ hasText: /empty file \(0 bytes\)/ })
    .waitFor();
  assert.equal(await page.getByTestId('player').count(), 0);
  assert.equal(await page.getByRole('button', { name: /teacher scan/i }).count(), 0);
  await page.screenshot({ path: screenshotPath('detail-empty-file') });
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
