// Library, what issue 13 left: sort and filter by date recorded, date added, resolution and size (in the URL, shown
// as removable chips, the date on the video's page); a hover on a card steps through that video's looked-at frames;
// Space opens Quick look on the focused card, X selects. Clips made with ffmpeg lavfi, dated with creation_time tags.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { Engine } from '../../main/engine/engine.ts';
import { startServer } from '../../main/server/server.ts';
import { launchBrowser, screenshotPath } from '../helpers/browser.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';
import { buildRenderer, openPage, type AppFixture } from './app.ts';

const H264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
// name, size, tags the file carries (null: no date)
const CLIPS: [string, string, string[]][] = [
  ['beach.mp4', '640x360', ['-metadata', 'creation_time=2021-06-01T10:00:00Z']],
  ['birthday.mp4', '1280x720', ['-metadata', 'creation_time=2019-03-10T18:30:00Z']],
  // as an iPhone writes it: Apple's own creation date with its zone (09:30 UTC)
  ['drone.mov', '1920x1080', ['-metadata', 'com.apple.quicktime.creationdate=2023-01-05T10:30:00+0100', '-movflags', 'use_metadata_tags']],
  ['sunset 4k.mp4', '3840x2160', ['-metadata', 'creation_time=2020-08-15T19:00:00Z']],
  ['no date.mkv', '320x240', ['-fflags', '+bitexact']],
];
const BY_RECORDED = ['birthday.mp4', 'sunset 4k.mp4', 'beach.mp4', 'drone.mov', 'no date.mkv'];

let app: AppFixture;
let ids: Map<string, number>;
let sizes: Map<string, number>;
before(async () => {
  const dir = tempDir('glimpse-e2e-dates-');
  const videos = path.join(dir, 'videos');
  for (const [name, size, args] of CLIPS)
    makeVideo(path.join(videos, name), { source: `testsrc2=size=${size}:rate=5`, seconds: 1, args: [...H264, ...args] });
  const past = new Date(Date.now() - 60_000);
  for (const [name] of CLIPS) fs.utimesSync(path.join(videos, name), past, past);
  const engine = new Engine({ dbPath: path.join(dir, 'lib.db'), scan: { k: 3 } });
  const { jobId } = await engine.call('library.addRoot', { path: videos, scan: true });
  const job = await engine.jobs.wait(jobId!);
  if (job.state !== 'done') throw new Error(`indexing fixtures: ${job.state} ${job.error}`);
  const all = (await engine.call('library.videos', {})).videos;
  ids = new Map(all.map((v) => [v.name, v.id]));
  sizes = new Map(all.map((v) => [v.name, v.sizeBytes]));
  // Two videos were added to the library years ago (added_at is set by the first index; an old library has such rows).
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(path.join(dir, 'lib.db'));
  db.prepare("UPDATE videos SET added_at = '2020-02-02T12:00:00.000Z' WHERE name = 'drone.mov'").run();
  db.prepare("UPDATE videos SET added_at = '2020-03-03T12:00:00.000Z' WHERE name = 'no date.mkv'").run();
  db.close();
  const server = await startServer(engine, { port: 0, staticDir: await buildRenderer() });
  const browser = await launchBrowser();
  app = {
    dir,
    engine,
    server,
    browser,
    lib: null,
    async close() {
      await browser.close().catch(() => {});
      await server.close();
      await engine.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
after(async () => {
  await app?.close();
});

const names = (page: Page) => page.locator('[data-video-id] .name').allInnerTexts();
const waitNames = async (page: Page, want: string[]) => {
  await page
    .waitForFunction(
      (w) => JSON.stringify([...document.querySelectorAll('[data-video-id] .name')].map((e) => e.textContent)) === JSON.stringify(w),
      want,
      { timeout: 10_000 },
    )
    .catch(async () => assert.deepEqual(await names(page), want));
};
const posters = (page: Page) =>
  page.waitForFunction(() =>
    [...document.querySelectorAll('.card img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0),
  );
const chips = (page: Page) => page.getByTestId('active-filters').locator('.chip').allInnerTexts();

test('sort by date recorded (unknown last both ways), added, resolution and size', async () => {
  const { page, errors } = await openPage(app, '#/library?sort=recorded');
  await waitNames(page, BY_RECORDED);
  assert.equal(await page.getByLabel('Sort by').inputValue(), 'recorded');
  await posters(page);
  await page.screenshot({ path: screenshotPath('library-sort-recorded') });

  await page.getByRole('button', { name: /Order: ascending/ }).click();
  await waitNames(page, ['drone.mov', 'beach.mp4', 'sunset 4k.mp4', 'birthday.mp4', 'no date.mkv']);

  // Date added, newest first: the three indexed today (by id, as they were indexed), then the two added in 2020.
  await page.getByLabel('Sort by').selectOption('added');
  const today = [...ids.entries()].filter(([n]) => n !== 'drone.mov' && n !== 'no date.mkv').sort((a, b) => b[1] - a[1]);
  await waitNames(page, [...today.map(([n]) => n), 'no date.mkv', 'drone.mov']);

  await page.getByLabel('Sort by').selectOption('resolution');
  await waitNames(page, ['sunset 4k.mp4', 'drone.mov', 'birthday.mp4', 'beach.mp4', 'no date.mkv']);

  await page.getByLabel('Sort by').selectOption('size');
  await waitNames(
    page,
    [...sizes.entries()].sort((a, b) => b[1] - a[1] || ids.get(b[0])! - ids.get(a[0])!).map(([n]) => n),
  );
  assert.deepEqual(errors, []);
  await page.close();
});

test('filters: recorded between, added between, minimum resolution, size range; chips remove them; the URL keeps them', async () => {
  const { page, errors } = await openPage(app);
  await page.locator('[data-video-id]').first().waitFor();
  await page.getByLabel('Sort by').selectOption('recorded');

  // Recorded in 2020–2021: the 4K sunset (2020) and the beach (2021); the undated file is left out.
  await page.getByLabel('Recorded from', { exact: true }).fill('2020-01-01');
  await page.getByLabel('Recorded to', { exact: true }).fill('2021-12-31');
  await waitNames(page, ['sunset 4k.mp4', 'beach.mp4']);
  assert.deepEqual(await chips(page), ['recorded 2020-01-01–2021-12-31']);
  await posters(page);
  await page.screenshot({ path: screenshotPath('library-filter-recorded') });
  // The whole last day counts: "to 2021-06-01" keeps the beach filmed that morning.
  await page.getByLabel('Recorded to', { exact: true }).fill('2021-06-01');
  await waitNames(page, ['sunset 4k.mp4', 'beach.mp4']);
  await page.getByLabel('Recorded to', { exact: true }).fill('2021-05-31');
  await waitNames(page, ['sunset 4k.mp4']);
  await page.getByRole('button', { name: /^Remove filter recorded/ }).click();
  await waitNames(page, BY_RECORDED);

  // Added before 2021: the two that came in 2020.
  await page.getByLabel('Added to', { exact: true }).fill('2020-12-31');
  await waitNames(page, ['drone.mov', 'no date.mkv']);
  assert.deepEqual(await chips(page), ['added until 2020-12-31']);
  await page.getByRole('button', { name: 'Remove filter added until 2020-12-31' }).click();
  await waitNames(page, BY_RECORDED);

  // Minimum resolution.
  await page.getByLabel('Minimum resolution').selectOption('1080');
  await waitNames(page, ['sunset 4k.mp4', 'drone.mov']);
  await page.getByLabel('Minimum resolution').selectOption('2160');
  await waitNames(page, ['sunset 4k.mp4']);
  assert.deepEqual(await chips(page), ['4K or more']);
  await page.getByLabel('Minimum resolution').selectOption('720');
  await waitNames(page, ['birthday.mp4', 'sunset 4k.mp4', 'drone.mov']);

  // Size range (MB as the app shows sizes): between the smallest and the largest of those three, exclusive of both.
  const three = ['birthday.mp4', 'sunset 4k.mp4', 'drone.mov'].sort((a, b) => sizes.get(a)! - sizes.get(b)!);
  const mb = (b: number) => b / 1024 / 1024;
  const lo = ((mb(sizes.get(three[0])!) + mb(sizes.get(three[1])!)) / 2).toFixed(4);
  const hi = ((mb(sizes.get(three[1])!) + mb(sizes.get(three[2])!)) / 2).toFixed(4);
  await page.getByLabel('Minimum file size in MB').fill(lo);
  await page.getByLabel('Maximum file size in MB').fill(hi);
  await page.getByLabel('Maximum file size in MB').press('Tab');
  await waitNames(page, [three[1]]);
  assert.deepEqual(await chips(page), ['720p or more', `size ${lo}–${hi} MB`]);
  // The same filters through the API give the same videos (one query path).
  const api = await app.engine.call('library.search', {
    sort: 'recorded',
    minResolution: 720,
    minSizeBytes: Math.round(Number(lo) * 1024 * 1024),
    maxSizeBytes: Math.round(Number(hi) * 1024 * 1024),
  });
  assert.deepEqual(
    api.videos.map((v) => v.name),
    [three[1]],
  );

  // All of it lives in the URL: a reload brings back the same screen, chips included.
  await page.getByLabel('Recorded from', { exact: true }).fill('2019-01-01');
  await waitNames(page, [three[1]]);
  const hash = await page.evaluate(() => location.hash);
  for (const k of ['sort=recorded', 'res=720', `sizeMin=${lo}`, `sizeMax=${hi}`, 'recFrom=2019-01-01'])
    assert.ok(hash.includes(k), `${k} in ${hash}`);
  await page.reload();
  await waitNames(page, [three[1]]);
  assert.equal(await page.getByLabel('Recorded from', { exact: true }).inputValue(), '2019-01-01');
  assert.deepEqual(await chips(page), ['recorded from 2019-01-01', '720p or more', `size ${lo}–${hi} MB`]);
  await posters(page);
  await page.screenshot({ path: screenshotPath('library-filter-chips') });
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await waitNames(page, BY_RECORDED);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the video's page shows the date recorded when the file has one", async () => {
  const { page, errors } = await openPage(app, `#/video/${ids.get('drone.mov')}`);
  await page.getByRole('heading', { name: 'drone.mov' }).waitFor();
  const when = page.getByTestId('recorded').locator('time');
  assert.equal(await when.getAttribute('datetime'), '2023-01-05T09:30:00.000Z');
  assert.match(await when.innerText(), /2023/);
  await page.screenshot({ path: screenshotPath('detail-recorded') });
  await page.evaluate((id) => (location.hash = `#/video/${id}`), ids.get('no date.mkv'));
  await page.getByRole('heading', { name: 'no date.mkv' }).waitFor();
  assert.equal(await page.getByTestId('recorded').count(), 0, 'no made-up date for a file without one');
  assert.deepEqual(errors, []);
  await page.close();
});

test("hover previews that video's looked-at frames, leaving restores the poster; nothing fetched for cards never hovered", async () => {
  const { page, errors } = await openPage(app, '#/library?sort=recorded');
  await waitNames(page, BY_RECORDED);
  await posters(page);
  const frameRequests: string[] = [];
  page.on('request', (r) => {
    if (/\/frame\//.test(r.url())) frameRequests.push(new URL(r.url()).pathname);
  });
  const id = ids.get('beach.mp4')!;
  const src = (vid: number) => page.locator(`[data-video-id="${vid}"] img`).getAttribute('src');
  const poster = await src(id);
  assert.match(poster!, new RegExp(`/thumb/${id}\\b`));

  await page.locator(`[data-video-id="${id}"] a.open`).hover();
  await page.waitForFunction(
    (v) => new RegExp(`/frame/${v}/\\d+`).test(document.querySelector(`[data-video-id="${v}"] img`)!.getAttribute('src')!),
    id,
  );
  const first = await src(id);
  await page.waitForFunction(
    ([v, f]) => {
      const s = document.querySelector(`[data-video-id="${v}"] img`)!.getAttribute('src')!;
      return new RegExp(`/frame/${v}/\\d+`).test(s) && s !== f;
    },
    [id, first] as const,
  );
  await page.waitForFunction((v) => {
    const i = document.querySelector(`[data-video-id="${v}"] img`) as HTMLImageElement;
    return i.complete && i.naturalWidth > 0;
  }, id);
  await page.screenshot({ path: screenshotPath('library-hover-preview') });
  // Every frame shown is one of this video's looked-at frames (k = 3: frames 0, 1, 2 of its student scan).
  const shown = new Set(frameRequests.map((p) => p.replace(/^.*\/frame\//, '')));
  assert.ok(shown.size >= 2, [...shown].join(' '));
  for (const f of shown) assert.match(f, new RegExp(`^${id}/[0-2]$`));

  // Leaving puts the poster back.
  await page.mouse.move(5, 700);
  await page.waitForFunction(([v, p]) => document.querySelector(`[data-video-id="${v}"] img`)!.getAttribute('src') === p, [
    id,
    poster,
  ] as const);

  // Keyboard focus held on a card previews it too.
  const other = ids.get('drone.mov')!;
  await page.locator(`[data-video-id="${other}"] a.open`).focus();
  await page.waitForFunction(
    (v) => new RegExp(`/frame/${v}/\\d+`).test(document.querySelector(`[data-video-id="${v}"] img`)!.getAttribute('src')!),
    other,
  );
  await page.locator(`[data-video-id="${other}"] a.open`).blur();
  await page.waitForFunction((v) => /\/thumb\//.test(document.querySelector(`[data-video-id="${v}"] img`)!.getAttribute('src')!), other);
  const hovered = new Set([id, other].map(String));
  assert.ok(
    frameRequests.every((p) => hovered.has(p.split('/')[2])),
    `frames fetched only for hovered videos: ${frameRequests.join(' ')}`,
  );

  // Asking for reduced motion: the poster stays still.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const before = frameRequests.length;
  const still = ids.get('birthday.mp4')!;
  await page.locator(`[data-video-id="${still}"] a.open`).hover();
  await page.waitForTimeout(1500); // longer than the hover delay and a step
  assert.match((await src(still))!, /\/thumb\//);
  assert.equal(frameRequests.length, before);
  assert.deepEqual(errors, []);
  await page.close();
});

test('Space opens Quick look on the focused card, arrows step, Space closes; X selects', async () => {
  const { page, errors } = await openPage(app, '#/library?sort=recorded');
  await waitNames(page, BY_RECORDED);
  await posters(page);
  // The keys are said on screen and to a screen reader.
  const hint = page.locator('#grid-keys');
  assert.match(await hint.innerText(), /Space quick look/);
  assert.match(await hint.innerText(), /X selects/);
  const link = page.locator('[data-index="1"] a.open');
  assert.equal(await link.getAttribute('aria-describedby'), 'grid-keys');
  assert.equal(await link.getAttribute('aria-keyshortcuts'), 'Space X');

  await link.focus();
  await page.keyboard.press('Space');
  const box = page.getByTestId('lightbox');
  await page.getByRole('dialog', { name: BY_RECORDED[1] }).waitFor();
  assert.match(await box.innerText(), /2 of 5/);
  assert.match(await box.innerText(), /recorded/);
  await page.waitForFunction(() => {
    const i = document.querySelector('[data-testid=lightbox] img') as HTMLImageElement | null;
    return !!i && i.complete && i.naturalWidth > 0;
  });
  await page.screenshot({ path: screenshotPath('library-quick-look-space') });
  await page.keyboard.press('ArrowRight');
  await page.getByRole('dialog', { name: BY_RECORDED[2] }).waitFor();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.getByRole('dialog', { name: BY_RECORDED[0] }).waitFor();
  await page.keyboard.press('Space');
  await box.waitFor({ state: 'hidden' });
  // Back on the card last looked at; X selects it, Space does not (it looks).
  await page.waitForFunction(
    (v) => document.activeElement?.closest('[data-video-id]')?.getAttribute('data-video-id') === String(v),
    ids.get(BY_RECORDED[0]),
  );
  await page.keyboard.press('x');
  await page.getByRole('group', { name: 'Selection' }).getByText('1 selected').waitFor();
  assert.equal(await page.locator(`[data-video-id="${ids.get(BY_RECORDED[0])}"] input[type=checkbox]`).isChecked(), true);
  await page.keyboard.press('x');
  await page.getByRole('group', { name: 'Selection' }).waitFor({ state: 'detached' });
  // Escape closes too.
  await page.keyboard.press('Space');
  await page.getByRole('dialog', { name: BY_RECORDED[0] }).waitFor();
  await page.keyboard.press('Escape');
  await box.waitFor({ state: 'hidden' });
  assert.deepEqual(errors, []);
  await page.close();
});
