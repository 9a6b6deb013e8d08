// The tags page (counts, rename, merge, delete, with a confirm and Undo) and browsing the library: prefix search,
// tag autocomplete in the search box, a minimum confidence kept in the URL, sorting by size.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { screenshotPath } from '../helpers/browser.ts';
import { openPage, startApp, type AppFixture } from './app.ts';

let app: AppFixture;
let ids: Record<string, number>;
before(async () => {
  app = await startApp();
  const { videos } = await app.engine.call('library.videos', {});
  ids = Object.fromEntries(videos.map((v) => [v.name, v.id]));
  // Tags a person gave, so the page's counts are known whatever the detector found on the lavfi clips.
  await app.engine.call('tags.edit', { videoIds: [ids['pattern one.mp4']], add: ['kitty'] });
  await app.engine.call('tags.edit', { videoIds: [ids['ünïcode clip.webm'], ids['broken.mp4']], add: ['cat'] });
});
after(async () => {
  await app?.close();
});

const row = (page: Page, tag: string) => page.locator(`tr[data-tag="${tag}"]`);
const count = async (page: Page, tag: string) => Number(await row(page, tag).locator('td.num').innerText());
const engineCounts = async () => Object.fromEntries((await app.engine.call('library.tags', {})).map((t) => [t.tag, t.count]));

test('tags page: every tag with its count; merge by renaming onto an existing tag, delete, each undoable', async () => {
  const { page, errors } = await openPage(app, '#/tags');
  await page.getByRole('heading', { name: 'Tags', level: 1 }).waitFor();
  await row(page, 'kitty').waitFor();
  const want = await engineCounts();
  const shown = Object.fromEntries(
    await page
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-tag'), Number(r.querySelector('td.num')!.textContent)])),
  );
  assert.deepEqual(shown, want, 'the page shows the engine’s counts');
  assert.equal(want.cat, 2);
  await page.screenshot({ path: screenshotPath('tags-page') });

  // Merge: rename "kitty" with the autocomplete ("ca" → cat), the button says Merge and a confirm asks first.
  await row(page, 'kitty').getByRole('button', { name: 'Rename or merge kitty' }).click();
  const input = page.getByRole('combobox', { name: 'New name for kitty' });
  await input.pressSequentially('ca');
  await page.getByRole('option', { name: /^cat\s+2$/ }).waitFor();
  await input.press('ArrowDown');
  await input.press('Enter');
  assert.equal(await input.inputValue(), 'cat');
  await row(page, 'kitty').getByRole('button', { name: 'Merge' }).click();
  const dialog = page.getByRole('dialog', { name: 'Merge “kitty” into “cat”?' });
  await dialog.waitFor();
  await page.screenshot({ path: screenshotPath('tags-merge-confirm') });
  await dialog.getByRole('button', { name: 'Merge tags' }).click();
  await row(page, 'kitty').waitFor({ state: 'detached' });
  await page.waitForFunction(() => document.querySelector('tr[data-tag="cat"] td.num')?.textContent === '3');
  assert.deepEqual((await app.engine.call('library.search', { q: 'tag:cat' })).total, 3);
  await page.getByRole('status').filter({ hasText: 'Merged “kitty” into “cat” on 1 video' }).waitFor();

  // Delete asks first; cancelling changes nothing.
  await row(page, 'cat').getByRole('button', { name: 'Delete cat' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await count(page, 'cat'), 3);
  await row(page, 'cat').getByRole('button', { name: 'Delete cat' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete tag' }).click();
  await row(page, 'cat').waitFor({ state: 'detached' });
  assert.equal((await app.engine.call('library.search', { q: 'tag:cat' })).total, 0, 'gone from search too');

  // Undo (the header's button) brings back the deleted tag, then splits the merge again.
  await page.getByRole('button', { name: 'Undo' }).click();
  await page.waitForFunction(() => document.querySelector('tr[data-tag="cat"] td.num')?.textContent === '3');
  await page.getByRole('button', { name: 'Undo' }).click();
  await row(page, 'kitty').waitFor();
  assert.deepEqual(await engineCounts(), want, 'two undos: back to where we started');

  // A tag links to its videos.
  await row(page, 'kitty').getByRole('link', { name: 'kitty' }).click();
  await page.waitForFunction(() => location.hash.startsWith('#/library?q=kitty'));
  await page.locator('[data-video-id] .name').filter({ hasText: 'pattern one.mp4' }).waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test('prefix search and tag autocomplete in the search box; minimum confidence and sort in the URL', async () => {
  const { page, errors } = await openPage(app);
  await page.locator('[data-video-id]').first().waitFor();
  const search = page.getByRole('combobox', { name: 'Search tags and file names' });
  const gridNames = () => page.locator('[data-video-id] .name').allInnerTexts();
  const engineNames = async (req: Record<string, unknown>) => (await app.engine.call('library.search', req)).videos.map((v) => v.name);

  // "ki", "kit", "kitt" all find the video tagged kitty (the words are not tags, nor in any file name).
  for (const q of ['ki', 'kit', 'kitt']) {
    await search.fill(q);
    await search.press('Enter');
    await page.waitForFunction(
      (w) => document.querySelector('[data-testid=understood]')?.textContent?.includes(`tag:kitty OR text:${w}`),
      q,
    );
    await page.waitForFunction(
      () => [...document.querySelectorAll('[data-video-id] .name')].map((e) => e.textContent).join() === 'pattern one.mp4',
    );
  }
  // Autocomplete completes the last word: "-ca" → "-cat", keeping the NOT.
  await search.fill('kitty -ca');
  await page.getByRole('option', { name: /^cat\s+2$/ }).waitFor();
  await page.screenshot({ path: screenshotPath('library-autocomplete') });
  await search.press('ArrowDown');
  await search.press('Enter');
  assert.equal(await search.inputValue(), 'kitty -cat ');
  await page.waitForFunction(() => location.hash.includes('q=kitty+-cat'));
  assert.deepEqual(await gridNames(), await engineNames({ q: 'kitty -cat' }));
  await search.fill('');
  await search.press('Enter');

  // Minimum confidence: through the one search path, in the URL, as a removable chip.
  await page.getByLabel('Minimum confidence').selectOption('90');
  await page.waitForFunction(() => location.hash.includes('conf=90'));
  const want = await engineNames({ minConfidence: 0.9 });
  await page.waitForFunction(
    (w) => [...document.querySelectorAll('[data-video-id] .name')].map((e) => e.textContent).join('|') === w.join('|'),
    want,
  );
  assert.ok(want.includes('pattern one.mp4'), 'a human tag always counts');
  await page.getByTestId('active-filters').getByText('tags at least 90% sure').waitFor();
  await page.reload();
  assert.equal(await page.getByLabel('Minimum confidence').inputValue(), '90', 'kept in the URL');
  await page.getByRole('button', { name: 'Remove filter tags at least 90% sure' }).click();
  await page.waitForFunction(() => !location.hash.includes('conf='));

  // Sort by file size, largest first: the grid's order is the engine's, and sizes really descend.
  await page.getByLabel('Sort by').selectOption('size');
  await page.getByRole('button', { name: /Order: ascending/ }).click();
  await page.waitForFunction(() => location.hash.includes('sort=size') && location.hash.includes('dir=desc'));
  const bySize = await app.engine.call('library.search', { sort: 'size', dir: 'desc' });
  const sizes = bySize.videos.map((v) => v.sizeBytes);
  assert.deepEqual(
    sizes,
    [...sizes].sort((a, b) => b - a),
  );
  await page.waitForFunction(
    (w) => [...document.querySelectorAll('[data-video-id] .name')].map((e) => e.textContent).join('|') === w.join('|'),
    bySize.videos.map((v) => v.name),
  );
  assert.deepEqual(errors, []);
  await page.close();
});

test('quick look: a lightbox with the poster and tags, Previous/Next (and arrow keys) through the results, Escape returns', async () => {
  const { page, errors } = await openPage(app);
  await page.locator('[data-video-id]').first().waitFor();
  const order = (await app.engine.call('library.search', {})).videos;
  await page.locator('[data-index="0"]').hover();
  await page.getByRole('button', { name: `Quick look: ${order[0].name}` }).click();
  const box = page.getByRole('dialog', { name: order[0].name });
  await box.waitFor();
  const tagsOf = (i: number) => order[i].tags.map((t) => `${t.tag} ${t.source === 'human' ? 'yours' : `${Math.round(t.score * 100)}%`}`);
  const shownTags = () => page.getByTestId('lightbox').getByRole('list', { name: 'Tags' }).locator('li.chip').allInnerTexts();
  assert.match(await page.getByTestId('lightbox').innerText(), new RegExp(`1 of ${order.length}`));
  assert.deepEqual(
    (await shownTags()).map((t) => t.replace(/\s+/g, ' ').trim()),
    tagsOf(0),
  );
  await page.getByTestId('lightbox').getByRole('button', { name: 'Next →' }).click();
  await page.getByRole('dialog', { name: order[1].name }).waitFor();
  assert.deepEqual(
    (await shownTags()).map((t) => t.replace(/\s+/g, ' ').trim()),
    tagsOf(1),
  );
  const withPoster = order.findIndex((v) => v.hasThumbnail);
  for (let i = 1; i < withPoster; i++) await page.keyboard.press('ArrowRight');
  if (withPoster > 1) await page.getByRole('dialog', { name: order[withPoster].name }).waitFor();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowRight');
  const img = page.getByTestId('lightbox').getByRole('img', { name: `Poster frame of ${order[withPoster].name}` });
  await img.waitFor();
  await page.waitForFunction(() => {
    const i = document.querySelector('[data-testid=lightbox] img') as HTMLImageElement | null;
    return !!i && i.complete && i.naturalWidth > 0;
  });
  await page.screenshot({ path: screenshotPath('library-lightbox') });
  await page.keyboard.press('Escape');
  await page.getByTestId('lightbox').waitFor({ state: 'hidden' });
  await page.waitForFunction(
    (id) => document.activeElement?.closest('[data-video-id]')?.getAttribute('data-video-id') === String(id),
    order[withPoster].id,
  );
  assert.deepEqual(errors, []);
  await page.close();
});
