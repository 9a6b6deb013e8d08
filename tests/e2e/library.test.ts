// Library: sorting, tag facets with counts, the search language (AND / OR / NOT, free text over names), folder,
// duration and "needs attention" filters, state that survives a reload, and a 50,000-video library that scrolls
// to the end with only a window of cards in the DOM.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
before(async () => {
  app = await startApp();
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

test('sort, facets with counts, search language, filters; state survives a reload', async () => {
  const { page, errors } = await openPage(app);
  await page.locator('[data-video-id]').first().waitFor();
  await waitNames(page, ['broken.mp4', 'pattern one.mp4', 'person.mp4', 'ünïcode clip.webm']);
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.card img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0),
  );
  await page.screenshot({ path: screenshotPath('library-grid') });

  // Tag facets carry counts.
  const person = page.locator('.facet[data-tag="person"]');
  assert.match(await person.innerText(), /person\s+1/);

  // Sort by duration, descending (the 2 s clips tie; the broken file has no duration and goes last).
  await page.getByLabel('Sort by').selectOption('duration');
  await page.getByRole('button', { name: /Order: ascending/ }).click();
  await page.waitForFunction(() => location.hash.includes('sort=duration') && location.hash.includes('dir=desc'));
  assert.equal((await names(page)).at(-1), 'broken.mp4');
  await page.getByLabel('Sort by').selectOption('name');
  await page.getByRole('button', { name: /Order: descending/ }).click();

  const search = page.getByLabel('Search tags and file names');
  // NOT: everything that is not a person.
  await search.fill('-person');
  await search.press('Enter');
  await waitNames(page, ['broken.mp4', 'pattern one.mp4', 'ünïcode clip.webm']);
  assert.match(await page.getByTestId('understood').innerText(), /NOT/);
  // OR of a tag and free text over file names.
  await search.fill('person OR ünïcode');
  await search.press('Enter');
  await waitNames(page, ['person.mp4', 'ünïcode clip.webm']);
  // AND of a tag and a name that does not hold it: nothing, with a way out.
  await search.fill('person pattern');
  await search.press('Enter');
  await page.getByText('No videos match these filters.').waitFor();
  await page.screenshot({ path: screenshotPath('library-no-match') });
  await page.getByRole('button', { name: 'Clear search and filters' }).click();
  await waitNames(page, ['broken.mp4', 'pattern one.mp4', 'person.mp4', 'ünïcode clip.webm']);

  // Facet click = require the tag.
  await person.click();
  await waitNames(page, ['person.mp4']);
  await person.click();

  // Folder filter.
  const sub = fs.realpathSync(path.join(app.lib!.dir, 'sub dir'));
  await page.getByLabel('Folder').selectOption(sub);
  await waitNames(page, ['ünïcode clip.webm']);
  await page.getByLabel('Folder').selectOption('');

  // Duration filter: at least 1 s drops the unreadable file (no duration).
  await page.getByLabel('Minimum duration in seconds').fill('1');
  await page.getByLabel('Minimum duration in seconds').press('Tab');
  await waitNames(page, ['pattern one.mp4', 'person.mp4', 'ünïcode clip.webm']);
  await page.getByLabel('Minimum duration in seconds').fill('');
  await page.getByLabel('Minimum duration in seconds').press('Tab');

  // Needs attention: the broken file (and any low-confidence video).
  await page.getByLabel(/Needs attention/).check();
  await page.locator('.card.err').first().waitFor();
  const attention = await names(page);
  assert.ok(attention.includes('broken.mp4'));
  const want = (await app.engine.call('library.search', { attention: true })).videos.map((v) => v.name);
  assert.deepEqual(attention, want);
  assert.match(await page.locator('.card.err .errtext').innerText(), /\S/);
  await page.screenshot({ path: screenshotPath('library-needs-attention') });

  // Everything a person set lives in the URL: a reload brings the same screen back.
  await search.fill('-dog');
  await search.press('Enter');
  await page.getByLabel('Sort by').selectOption('confidence');
  await page.waitForFunction(
    () => location.hash.includes('attention=1') && location.hash.includes('sort=confidence') && location.hash.includes('q=-dog'),
  );
  const before = await names(page);
  await page.reload();
  await page.locator('[data-video-id]').first().waitFor();
  assert.equal(await page.getByLabel('Sort by').inputValue(), 'confidence');
  assert.equal(await search.inputValue(), '-dog');
  assert.equal(await page.getByLabel(/Needs attention/).isChecked(), true);
  await waitNames(page, before);
  assert.deepEqual(errors, []);
  await page.close();
});

// ---- 50,000 videos, seeded straight into the store (no decoding), one real JPEG as every thumbnail ----

let big: { dir: string; engine: Engine; server: ServerHandle } | null = null;
after(async () => {
  if (!big) return;
  await big.server.close();
  await big.engine.close();
  fs.rmSync(big.dir, { recursive: true, force: true });
});

test('50,000 videos: a window of cards in the DOM, scrolling to the very end works', async () => {
  const N = 50_000;
  const dir = tempDir('glimpse-50k-');
  const root = path.join(dir, 'videos');
  fs.mkdirSync(root);
  const dbPath = path.join(dir, 'lib.db');
  const engine = new Engine({ dbPath });
  await engine.call('library.addRoot', { path: root, scan: false });
  const real = fs.realpathSync(root);
  const tags = ['person', 'dog', 'car', 'cat', 'bicycle', 'boat'];
  seed(
    dbPath,
    real,
    Array.from({ length: N }, (_, i) => ({
      path: path.join(real, `folder ${i % 50}`, `clip ${String(i).padStart(5, '0')}.mp4`),
      durationS: 5 + (i % 600),
      tags: [
        [tags[i % tags.length], 0.5 + (i % 50) / 100],
        [tags[(i + 1 + (i % 4)) % tags.length], 0.4],
      ] as [string, number][],
    })),
  );
  const thumb = path.join(engine.cacheDir, 'thumbs', 'shared.jpg');
  fs.mkdirSync(path.dirname(thumb), { recursive: true });
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180', '-frames:v', '1', thumb]);
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(dbPath);
  db.prepare('UPDATE videos SET thumbnail = ?').run(thumb);
  db.close();
  const server = await startServer(engine, { port: 0, staticDir: await buildRenderer() });
  big = { dir, engine, server };

  const page = await app.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.getByTestId('total').filter({ hasText: '50,000 videos' }).waitFor({ timeout: 30_000 });
  await page.locator('[data-video-id]').first().waitFor();
  const inDom = () => page.locator('.card').count();
  const first = await inDom();
  assert.ok(first > 0 && first < 200, `only a window of cards is rendered (${first})`);

  // Scroll through the grid in steps (as a wheel would), counting frames and rendered cards, then jump to the end.
  const stats = await page.evaluate(async () => {
    const sc = document.querySelector('[data-testid=scroller]') as HTMLElement;
    let maxCards = 0,
      frames = 0,
      longest = 0,
      last = performance.now();
    for (let i = 0; i < 120; i++) {
      sc.scrollTop += 600;
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      frames++;
      maxCards = Math.max(maxCards, document.querySelectorAll('.card').length);
    }
    return { maxCards, frames, longestFrameMs: Math.round(longest), scrollHeight: sc.scrollHeight };
  });
  console.log(`# 50k scroll: ${JSON.stringify(stats)}`);
  assert.ok(stats.maxCards < 200, `DOM stays a window while scrolling (${stats.maxCards})`);
  assert.ok(stats.scrollHeight > 1_000_000, 'the spacer is as tall as 50,000 cards');

  await page.evaluate(() => {
    const sc = document.querySelector('[data-testid=scroller]') as HTMLElement;
    sc.scrollTop = sc.scrollHeight;
  });
  await page.locator('[data-video-id] .name', { hasText: 'clip 49999.mp4' }).waitFor({ timeout: 15_000 });
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('.card img')].length > 0 &&
      [...document.querySelectorAll('.card img')].every(
        (i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0,
      ),
  );
  assert.ok((await inDom()) < 200);
  await page.screenshot({ path: screenshotPath('library-50k-end') });

  // A tag search over 50k with facet counts, then the keyboard reaches the last card with End-like paging.
  const search = page.getByLabel('Search tags and file names');
  await search.fill('person -dog');
  await search.press('Enter');
  await page.waitForFunction(
    () =>
      /^[\d,]+ videos$/.test(document.querySelector('[data-testid=total]')?.textContent ?? '') &&
      document.querySelector('[data-testid=total]')?.textContent !== '50,000 videos',
  );
  const total = Number((await page.getByTestId('total').innerText()).replace(/\D/g, ''));
  const want = (await engine.call('library.search', { q: 'person -dog', limit: 1 })).total;
  assert.equal(total, want);
  assert.match(await page.locator('.facet[data-tag="person"]').innerText(), new RegExp(`person\\s+${want.toLocaleString('en-US')}`));
  await page.screenshot({ path: screenshotPath('library-50k-search') });
  assert.deepEqual(errors, []);
  await page.close();
});
