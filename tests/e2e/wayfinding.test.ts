// "The app, round two": what a new user relies on. States that say the truth (loading, indexing, no hits with the
// filters still removable, singular/plural), keeping your place (scroll and focus back from a video, focus on the
// heading after a route change, an early search box with "/" and Escape), the page opened without its token, one
// scroll container with a job bar, middle-truncated names, job bar states after pause/cancel, stale error toasts,
// tab titles, the favicon, and readable model names.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { Engine } from '../../main/engine/engine.ts';
import { startServer, type ServerHandle } from '../../main/server/server.ts';
import { screenshotPath } from '../helpers/browser.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { seed } from '../server/seed.ts';
import { buildRenderer, openPage, startApp, type AppFixture } from './app.ts';

let app: AppFixture;
let big: { dir: string; engine: Engine; server: ServerHandle; ids: number[] };
const N = 300;
const LONG = (i: number) => `gradio_demo_videos_example_clip_${String(i).padStart(3, '0')}.mp4`;

before(async () => {
  app = await startApp();
  // A seeded library (no scanning): enough cards to scroll, names that only differ at the end.
  const dir = tempDir('glimpse-e2e-seed-');
  const root = path.join(dir, 'videos');
  fs.mkdirSync(root);
  const dbPath = path.join(dir, 'lib.db');
  const engine = new Engine({ dbPath });
  await engine.call('library.addRoot', { path: root, scan: false });
  const real = fs.realpathSync(root);
  const ids = seed(
    dbPath,
    real,
    Array.from({ length: N }, (_, i) => ({
      path: path.join(real, LONG(i)),
      durationS: 5 + i,
      tags: [[i === 7 ? 'cat' : 'person', 0.9]] as [string, number][],
    })),
  );
  const server = await startServer(engine, { port: 0, staticDir: await buildRenderer() });
  big = { dir, engine, server, ids };
});
after(async () => {
  await app?.close();
  await big?.server.close();
  await big?.engine.close();
  if (big) fs.rmSync(big.dir, { recursive: true, force: true });
});

/** A page on the seeded library (its cards have no files: media/thumbnail 404s are expected there). */
async function openBig(hash = '', viewport = { width: 1280, height: 800 }): Promise<{ page: Page; errors: string[] }> {
  const page = await app.browser.newPage({ viewport, colorScheme: 'dark' });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('response', (r) => {
    if (r.status() >= 500) errors.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  await page.goto(`${big.server.url}${hash}`);
  return { page, errors };
}
const total = (page: Page) => page.getByTestId('total').innerText();
const focused = (page: Page) =>
  page.evaluate(() => {
    const a = document.activeElement as HTMLElement | null;
    return {
      tag: a?.tagName ?? '',
      text: a?.textContent?.trim() ?? '',
      label: a?.getAttribute('aria-label') ?? '',
      cls: a?.className ?? '',
    };
  });

test('loading, plural, no hits with the filters still visible and removable', async () => {
  const page = await app.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  // The first answer is slow: the library says it is loading, never "0 videos" or "No tags yet".
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  await page.route('**/api/library.search', async (route) => {
    await gate;
    await route.continue();
  });
  await page.goto(`${big.server.url}`);
  await page.getByTestId('total').waitFor();
  assert.equal(await total(page), 'Loading…');
  assert.equal(await page.getByTestId('facets-empty').innerText(), 'Loading tags…');
  assert.equal(await page.getByText('No videos match').count(), 0);
  assert.equal(await page.title(), 'Glimpse — Library');
  release();
  await page
    .getByTestId('total')
    .filter({ hasText: `${N} videos` })
    .waitFor();
  await page.unroute('**/api/library.search');

  // Singular: one match says "1 video".
  const search = page.getByLabel('Search tags and file names');
  await search.fill('cat');
  await search.press('Enter');
  await page
    .getByTestId('total')
    .filter({ hasText: /^1 video$/ })
    .waitFor();

  // No hits: the active filters stay on screen, each removable, with "Clear filters"; the tags panel tells why it is empty.
  await search.fill('cat person');
  await search.press('Enter');
  await page.getByText('No videos match these filters.').waitFor();
  await page.getByLabel('Minimum duration in seconds').fill('100');
  await page.getByLabel('Minimum duration in seconds').press('Enter');
  const filters = page.getByTestId('active-filters');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=active-filters] li').length === 3);
  assert.deepEqual(await filters.locator('.chip').allInnerTexts(), ['cat', 'person', 'duration 100–∞ s']);
  assert.equal(await page.getByTestId('facets-empty').innerText(), 'No tags among the matching videos.');
  await page.screenshot({ path: screenshotPath('wayfinding-no-hits') });
  // Switch one off: "cat" goes, "person" from 100 s on remains.
  await page.getByRole('button', { name: 'Remove filter cat' }).click();
  await page
    .getByTestId('total')
    .filter({ hasText: `${N - 95} videos` })
    .waitFor();
  assert.ok(page.url().includes('q=person') && page.url().includes('min=100'));
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page
    .getByTestId('total')
    .filter({ hasText: `${N} videos` })
    .waitFor();
  assert.equal(await filters.count(), 0);
  assert.equal(await search.inputValue(), '');
  await page.close();
});

test('back from a video restores the scroll position and focuses the card; headings get focus on route change', async () => {
  const { page, errors } = await openBig();
  await page
    .getByTestId('total')
    .filter({ hasText: `${N} videos` })
    .waitFor();
  await page.locator('[data-video-id]').first().waitFor();
  const sc = page.getByTestId('scroller');
  await sc.evaluate((e) => (e.scrollTop = 2400));
  const idx = 50;
  const card = page.locator(`[data-index="${idx}"] a.open`);
  await card.waitFor();
  const id = Number(await page.locator(`[data-index="${idx}"]`).getAttribute('data-video-id'));
  const top = await sc.evaluate((e) => e.scrollTop);
  assert.ok(top > 2000, `scrolled (${top})`);
  await card.click();
  await page.getByRole('heading', { level: 1, name: LONG(idx) }).waitFor();
  // Route change: focus is on the new view's heading, not on the body.
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
  assert.equal(await page.title(), `Glimpse — ${LONG(idx)}`);
  await page.goBack();
  await page.waitForFunction(
    (v) => (document.activeElement as HTMLElement | null)?.closest('[data-video-id]')?.getAttribute('data-video-id') === String(v),
    id,
  );
  assert.equal(await sc.evaluate((e) => e.scrollTop), top, 'same scroll position as before');
  assert.equal((await focused(page)).label.split(',')[0], LONG(idx));
  await page.screenshot({ path: screenshotPath('wayfinding-back') });

  // Nav link → the Settings heading has focus.
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
  assert.equal((await focused(page)).text, 'Settings');
  assert.equal(await page.title(), 'Glimpse — Settings');
  assert.deepEqual(
    errors.filter((e) => !/\/(thumb|media|frame)\//.test(e)),
    [],
  );
  await page.close();
});

test('the search box is an early tab stop; "/" focuses it, Escape clears and leaves it, not while typing elsewhere', async () => {
  const { page } = await openBig();
  await page
    .getByTestId('total')
    .filter({ hasText: `${N} videos` })
    .waitFor();
  let stops = 0;
  for (; stops < 15; stops++) {
    await page.keyboard.press('Tab');
    if ((await focused(page)).cls.includes('search')) break;
  }
  // skip link, brand, six views (Library, Review, Tags, Compare, Train, Settings), theme (Undo is disabled): then search
  assert.ok(stops + 1 <= 10, `search is tab stop ${stops + 1}`);
  await page.locator('body').click({ position: { x: 5, y: 700 } });
  await page.keyboard.press('/');
  assert.ok((await focused(page)).cls.includes('search'), '"/" focuses the search box');
  assert.equal(await page.getByLabel('Search tags and file names').inputValue(), '', 'the "/" is not typed');
  await page.keyboard.type('cat');
  await page.keyboard.press('Enter');
  await page
    .getByTestId('total')
    .filter({ hasText: /^1 video$/ })
    .waitFor();
  await page.keyboard.press('Escape');
  await page
    .getByTestId('total')
    .filter({ hasText: `${N} videos` })
    .waitFor();
  assert.equal(await page.getByLabel('Search tags and file names').inputValue(), '');
  assert.ok(!(await focused(page)).cls.includes('search'), 'Escape leaves the box');
  // Typing "/" in another field types it.
  await page.getByLabel('Minimum duration in seconds').click();
  await page.keyboard.type('1/2');
  assert.equal(await page.getByLabel('Minimum duration in seconds').inputValue(), '1/2');
  assert.equal((await focused(page)).label, 'Minimum duration in seconds');
  await page.close();
});

test('one scroll container with a job bar; indexing state; pause and cancel show what happened', async () => {
  const page = await app.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  const job = { id: 'j1', kind: 'index', state: 'running', done: 3, total: 28, etaS: null, message: 'scanning a.mp4', error: null };
  await page.route('**/api/jobs.list', (r) => r.fulfill({ contentType: 'application/json', body: JSON.stringify([job]) }));
  await page.route('**/api/jobs.cancel', (r) => r.fulfill({ contentType: 'application/json', body: '{}' }));
  // The first index has found nothing yet: the library says it is indexing, with progress.
  await page.route('**/api/library.search', async (r) => {
    const res = await r.fetch();
    const body = await res.json();
    await r.fulfill({ response: res, body: JSON.stringify({ ...body, total: 0, videos: [], facets: [] }) });
  });
  await page.goto(big.server.url);
  await page.getByTestId('job').waitFor();
  const indexing = page.getByTestId('indexing');
  await indexing.waitFor();
  assert.match(await indexing.innerText(), /Indexing your folder… 3 of 28 videos/);
  assert.equal(await page.getByText('No videos match').count(), 0);
  assert.equal(await page.getByTestId('facets-empty').innerText(), 'Tags appear as videos are scanned.');
  await page.screenshot({ path: screenshotPath('wayfinding-indexing') });
  await page.unroute('**/api/library.search');
  await page.reload();
  await page.getByTestId('job').waitFor();
  await page
    .getByTestId('total')
    .filter({ hasText: `${N} videos` })
    .waitFor();
  // The page itself never scrolls: the library's grid is the one scroll container and ends inside the window.
  const m = await page.evaluate(() => ({
    doc: document.documentElement.scrollHeight,
    win: innerHeight,
    body: document.body.scrollHeight,
    gridBottom: document.querySelector('[data-testid=scroller]')!.getBoundingClientRect().bottom,
  }));
  assert.ok(m.doc <= m.win && m.body <= m.win, `no page scroll: ${JSON.stringify(m)}`);
  assert.ok(m.gridBottom <= m.win, `the grid ends inside the window: ${JSON.stringify(m)}`);
  await page.screenshot({ path: screenshotPath('wayfinding-job-bar') });

  const bar = page.getByTestId('job');
  await bar.getByRole('button', { name: 'Pause' }).click();
  await bar.filter({ hasText: 'pausing after the current video…' }).waitFor();
  assert.doesNotMatch(await bar.innerText(), /estimating/);
  assert.equal(await bar.getByRole('button').count(), 0, 'no Pause/Cancel while it stops');
  await page.reload();
  await bar.getByRole('button', { name: 'Cancel' }).click();
  await bar.filter({ hasText: 'cancelling…' }).waitFor();
  assert.equal(await bar.getByRole('button').count(), 0);
  await page.close();
});

test('names keep their end; the detail page fits 800 px; models in words; favicon; stale errors go', async () => {
  const { page, errors } = await openBig('', { width: 1280, height: 800 });
  await page.locator('[data-index="3"] .name').waitFor();
  const name = page.locator('[data-index="3"] .name');
  assert.equal(await name.textContent(), LONG(3), 'the whole name is in the card (for search and screen readers)');
  assert.match((await name.getAttribute('title'))!, new RegExp(`${LONG(3)}$`), 'full path in the tooltip');
  // The end (number and extension) is visible; the start is what is cut.
  const tail = await page.locator('[data-index="3"] .name .tail').evaluate((e) => {
    const r = e.getBoundingClientRect(),
      c = e.closest('.card')!.getBoundingClientRect();
    return { text: e.textContent, inside: r.right <= c.right && r.width > 0 };
  });
  assert.ok(tail.inside && tail.text!.endsWith('_003.mp4'), JSON.stringify(tail));
  await page.screenshot({ path: screenshotPath('wayfinding-names'), clip: { x: 0, y: 0, width: 1280, height: 420 } });
  // The favicon is served.
  const icon = await page.evaluate(async () => {
    const href = (document.querySelector('link[rel=icon]') as HTMLLinkElement).href;
    const r = await fetch(href);
    return { status: r.status, type: r.headers.get('content-type'), svg: (await r.text()).startsWith('<svg') };
  });
  assert.deepEqual(icon, { status: 200, type: 'image/svg+xml', svg: true });
  assert.deepEqual(errors, []);
  await page.close();

  // Real videos: the detail page at 800 px fits, names its scan models in words with the raw name in the tooltip.
  const id = (await app.engine.call('library.search', { q: 'name:person' })).videos[0].id;
  const d = await openPage(app, `#/video/${id}`);
  await d.page.setViewportSize({ width: 800, height: 700 });
  await d.page.getByRole('heading', { name: 'person.mp4' }).waitFor();
  const model = d.page.locator('.model').first();
  const raw = (await model.getAttribute('title'))!;
  assert.match(raw, /^uniform-2\+student/);
  assert.match(await model.innerText(), /^student, 2 frames/);
  const over = () =>
    d.page.evaluate(() => ({ sw: document.querySelector('main')!.scrollWidth, cw: document.querySelector('main')!.clientWidth }));
  const o = await over();
  assert.ok(o.sw <= o.cw, `no horizontal overflow at 800 px: ${JSON.stringify(o)}`);
  await d.page.screenshot({ path: screenshotPath('wayfinding-detail-800') });
  await d.page.locator('main').evaluate((e) => (e.scrollTop = e.scrollHeight));
  await d.page.screenshot({ path: screenshotPath('wayfinding-detail-800-bottom') });
  await d.page.locator('main').evaluate((e) => (e.scrollTop = 0));

  // An error toast goes away once a later action succeeds.
  let fail = true;
  await d.page.route('**/api/tags.edit', (r) => {
    if (!fail) return r.continue();
    fail = false;
    return r.fulfill({ status: 400, contentType: 'application/json', body: JSON.stringify({ error: 'disk is full', code: 'invalid' }) });
  });
  await d.page.getByLabel('Add a tag').fill('beach');
  await d.page.getByRole('button', { name: 'Add', exact: true }).click();
  await d.page.getByRole('alert').filter({ hasText: 'disk is full' }).waitFor();
  await d.page.getByLabel('Add a tag').fill('beach');
  await d.page.getByRole('button', { name: 'Add', exact: true }).click();
  await d.page.locator('.tags [data-tag="beach"]').waitFor();
  await d.page.getByRole('alert').filter({ hasText: 'disk is full' }).waitFor({ state: 'detached' });
  assert.deepEqual(d.errors, []);
  await d.page.close();
});

test('the frame strip says when there are more frames, and scrolls to them', async () => {
  const id = (await app.engine.call('library.search', { q: 'name:person' })).videos[0].id;
  const page = await app.browser.newPage({ viewport: { width: 800, height: 700 }, colorScheme: 'dark' });
  // Twelve keyframes (the fixture has two): more than fit across an 800 px window.
  await page.route('**/api/library.video', async (r) => {
    const res = await r.fetch();
    const v = await res.json();
    const frames = Array.from({ length: 12 }, (_, i) => ({ ...v.frames[i % v.frames.length], index: i, timeS: i * 0.15 }));
    await r.fulfill({ response: res, body: JSON.stringify({ ...v, frames }) });
  });
  await page.goto(`${app.server.url}#/video/${id}`);
  const strip = page.getByRole('list', { name: 'Keyframes' });
  await strip.waitFor();
  const more = page.getByRole('button', { name: 'Later frames' });
  await more.waitFor();
  assert.equal(await page.getByRole('button', { name: 'Earlier frames' }).count(), 0, 'at the start there is nothing before');
  await strip.scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('wayfinding-strip') });
  await more.click();
  await page.waitForFunction(() => document.querySelector('ol.strip')!.scrollLeft > 100);
  await page.getByRole('button', { name: 'Earlier frames' }).waitFor();
  await page.close();
});

test('opened without the token: a clear access message, never the first-run screen', async () => {
  const page = await app.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  await page.goto(app.server.url.replace(/\/?\?token=.*/, '/'));
  await page.getByRole('heading', { name: "This page needs Glimpse's access link" }).waitFor();
  assert.match(await page.getByTestId('no-access').innerText(), /open the URL printed by glimpse serve/i);
  assert.equal(await page.getByText('Point Glimpse at a folder').count(), 0);
  assert.equal(await page.getByRole('alert').count(), 0, 'no error toast on top');
  assert.equal(await page.title(), 'Glimpse — Access link needed');
  await page.screenshot({ path: screenshotPath('wayfinding-no-token') });
  await page.close();
});
