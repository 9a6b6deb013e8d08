// Edit: tags added and removed by hand (labels that win over predictions), bulk-tag a selection, rename a tag,
// and undo from the header button and Ctrl+Z.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { screenshotPath } from '../helpers/browser.ts';
import { openPage, startApp, type AppFixture } from './app.ts';

let app: AppFixture;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const idOf = async (name: string) => (await app.engine.call('library.search', { q: `name:"${name}"` })).videos[0].id;
const tagsOf = async (id: number) => (await app.engine.call('library.video', { id })).tags.map((t) => `${t.tag}:${t.source}`).sort();

test('add and remove tags by hand; a removal beats the prediction; undo', async () => {
  const id = await idOf('person.mp4');
  const { page, errors } = await openPage(app, `#/video/${id}`);
  await page.locator('.tags > li[data-tag="person"]').waitFor();

  await page.getByLabel('Add a tag').fill('Birthday  Party');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const added = page.locator('.tags > li[data-tag="birthday party"]');
  await added.waitFor();
  // A person's tag is theirs, not a 100% guess.
  assert.match(await added.innerText(), /birthday party\s+yours/);
  assert.doesNotMatch(await added.innerText(), /100%/);

  // Removing the predicted "person" stores a human "no": the prediction no longer counts anywhere.
  await page.getByRole('button', { name: 'Remove tag person' }).click();
  await page.locator('.tags > li[data-tag="person"]').waitFor({ state: 'detached' });
  assert.deepEqual(await tagsOf(id), ['birthday party:human']);
  assert.equal((await app.engine.call('library.search', { q: 'tag:person' })).total, 0);
  // The removal stays visible, so it can be taken back.
  await page
    .getByTestId('removed')
    .filter({ hasText: /Removed by you:\s*person — restore/ })
    .waitFor();
  await page.screenshot({ path: screenshotPath('edit-detail') });

  // Undo (header button) brings the prediction back; Ctrl+Z then removes the added tag.
  await page.getByRole('button', { name: 'Undo' }).click();
  await page.locator('.tags > li[data-tag="person"]').waitFor();
  await page
    .getByRole('status')
    .filter({ hasText: /Undid −person/ })
    .waitFor();
  await page.locator('h1').click(); // focus out of the tag field: Ctrl+Z in a text field stays the field's own undo
  await page.keyboard.press('Control+z');
  await added.waitFor({ state: 'detached' });
  assert.deepEqual(await tagsOf(id), ['person:student']);
  assert.equal(await page.getByRole('button', { name: 'Undo' }).isDisabled(), true);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a removed tag is restored from the video page: the prediction counts again', async () => {
  const id = await idOf('person.mp4');
  const { page, errors } = await openPage(app, `#/video/${id}`);
  await page.getByRole('button', { name: 'Remove tag person' }).click();
  const removed = page.getByTestId('removed');
  await removed.filter({ hasText: 'person' }).waitFor();
  await page.screenshot({ path: screenshotPath('detail-removed-tag') });
  await removed.getByRole('button', { name: 'Restore tag person' }).click();
  await page
    .locator('.tags > li[data-tag="person"]')
    .filter({ hasText: /student/ })
    .waitFor();
  await removed.waitFor({ state: 'detached' });
  assert.deepEqual(await tagsOf(id), ['person:student']);
  assert.equal((await app.engine.call('library.search', { q: 'tag:person' })).total, 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('bulk-tag a selection, rename the tag, undo the rename', async () => {
  const { page, errors } = await openPage(app);
  await page.locator('[data-video-id]').first().waitFor();
  for (const n of ['pattern one.mp4', 'ünïcode clip.webm']) await page.getByLabel(`Select ${n}`).check();
  const bulk = page.getByRole('group', { name: 'Selection' });
  await bulk.getByLabel('Tag for the selection').fill('beach');
  await bulk.getByRole('button', { name: 'Add tag' }).click();
  await page
    .locator('.facet[data-tag="beach"]')
    .filter({ hasText: /beach\s*2$/ })
    .waitFor();
  await page.locator('.card .chip.human', { hasText: 'beach' }).first().waitFor();
  await page.screenshot({ path: screenshotPath('edit-bulk') });
  assert.equal((await app.engine.call('library.search', { q: 'beach' })).total, 2);

  // Rename (Settings) moves the tag on every video carrying it.
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Tag to rename').fill('beach');
  await page.getByLabel('New name').fill('seaside');
  await page.getByRole('button', { name: 'Rename tag' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: /Renamed “beach” to “seaside” on 2 videos/ })
    .waitFor();
  assert.equal((await app.engine.call('library.search', { q: 'tag:seaside' })).total, 2);
  assert.equal((await app.engine.call('library.search', { q: 'tag:beach' })).total, 0);
  // Renaming a tag nobody has is a readable error.
  await page.getByLabel('Tag to rename').fill('unicorn');
  await page.getByLabel('New name').fill('horse');
  await page.getByRole('button', { name: 'Rename tag' }).click();
  await page.getByRole('alert').filter({ hasText: 'no video carries the tag “unicorn”' }).waitFor();
  await page.screenshot({ path: screenshotPath('edit-rename') });

  await page.getByRole('button', { name: 'Undo' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: /Undid rename beach → seaside/ })
    .waitFor();
  assert.equal((await app.engine.call('library.search', { q: 'tag:beach' })).total, 2);
  assert.equal((await app.engine.call('library.search', { q: 'tag:seaside' })).total, 0);
  assert.deepEqual(errors, []);
  await page.close();
});
