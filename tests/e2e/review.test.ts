// The review queue (#/review): doubtful and frame-less predictions one after another; y/Enter confirms, n/Delete
// rejects, s skips, u goes back one (undoing its label through the tag undo stack). Decisions are human labels: the
// same rows the detail page writes, which training reads.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { BrowseRepo } from '../../main/store/browse-repo.ts';
import { openDb } from '../../main/store/db.ts';
import { screenshotPath } from '../helpers/browser.ts';
import { openPage, startApp, type AppFixture } from './app.ts';
import { seriousViolations } from './axe.ts';

let app: AppFixture;
const idOf = async (name: string) => (await app.engine.call('library.search', { q: `name:"${name}"` })).videos[0].id;

before(async () => {
  app = await startApp();
  // Seeded predictions (the lavfi clips give the real models little to doubt): a doubtful "dog" on the person clip,
  // which none of its frames shows, and a doubtful "cat" on a pattern clip. Written as a student scan writes tags.
  const db = new Database(path.join(app.dir, 'lib.db'));
  const put = db.prepare(`INSERT OR REPLACE INTO tags(video_id, tag, source, score) VALUES (?, ?, 'student', ?)`);
  put.run(await idOf('person.mp4'), 'dog', 0.55);
  put.run(await idOf('pattern one.mp4'), 'cat', 0.52);
  db.close();
});
after(async () => {
  await app?.close();
});

/** The human labels in the database, as training reads them. */
function labels(): string[] {
  const db = openDb(path.join(app.dir, 'lib.db'));
  try {
    return new BrowseRepo(db)
      .humanTagRows()
      .map((r) => `${path.basename(r.path)}:${r.tag}=${r.score}`)
      .sort();
  } finally {
    db.close();
  }
}

test('confirm, reject, skip and undo with the keyboard; decisions become labels', async () => {
  const queue = await app.engine.call('review.queue', {});
  const names = queue.items.map((i) => `${i.name}:${i.tag.tag}`);
  assert.ok(names.includes('pattern one.mp4:cat') && names.includes('person.mp4:dog'), names.join(', '));
  const dog = queue.items.find((i) => i.tag.tag === 'dog')!;
  assert.ok(dog.reasons.includes('no-frame') && dog.reasons.includes('low'));
  const n = queue.total;

  const { page, errors } = await openPage(app, '#/review');
  const progress = page.getByTestId('review-progress');
  await progress.filter({ hasText: `1 of ${n}` }).waitFor();
  const item = page.getByTestId('review-item');
  const current = async () => {
    const text = await item.innerText();
    return queue.items.find((i) => text.includes(`“${i.tag.tag}”`) && text.includes(i.name))!;
  };
  await page.screenshot({ path: screenshotPath('review-queue') });
  assert.deepEqual(await seriousViolations(page), [], 'axe-core: no serious violations on the review page');
  assert.match(await page.getByTestId('review-confidence').innerText(), /^\d+%$/);

  // y confirms the first, n rejects the second, s skips the third (when there is one)
  const first = await current();
  await page.keyboard.press('y');
  await progress.filter({ hasText: `2 of ${n}` }).waitFor();
  const second = await current();
  await page.keyboard.press('Delete');
  await page.waitForFunction(() => !document.querySelector('[data-testid=review-progress]')?.textContent?.startsWith('2 of'));
  assert.deepEqual(
    labels(),
    [`${first.name}:${first.tag.tag}=1`, `${second.name}:${second.tag.tag}=0`].sort(),
    'a confirm is a human yes, a reject a human no: training labels',
  );
  // the reject hides the tag everywhere; the confirm makes it the person's own
  const v2 = await app.engine.call('library.video', { id: second.videoId });
  assert.ok(!v2.tags.some((t) => t.tag === second.tag.tag) && v2.removed.includes(second.tag.tag));

  // u goes back one: the reject is undone (label gone) and that tag is asked again
  await page.keyboard.press('u');
  await progress.filter({ hasText: `2 of ${n}` }).waitFor();
  assert.deepEqual(labels(), [`${first.name}:${first.tag.tag}=1`]);
  assert.equal((await current()).tag.tag, second.tag.tag);

  // s skips without a label, then the rest are rejected with n until the queue is done
  await page.keyboard.press('s');
  for (let i = 3; i <= n; i++) {
    await progress.filter({ hasText: `${i} of ${n}` }).waitFor();
    await page.keyboard.press('n');
  }
  await page
    .getByTestId('review-done')
    .filter({ hasText: `All ${n} reviewed` })
    .waitFor();
  assert.match(await page.getByTestId('review-done').innerText(), /1 confirmed, \d+ rejected, 1 skipped/);
  await page.screenshot({ path: screenshotPath('review-done') });
  assert.ok(!labels().some((l) => l.startsWith(`${second.name}:${second.tag.tag}=`)), 'the skipped tag has no label');

  // Reloading: only the skipped one is left to review
  await page.reload();
  await progress.filter({ hasText: '1 of 1' }).waitFor();
  assert.equal((await current()).tag.tag, second.tag.tag);
  assert.deepEqual(errors, []);
  await page.close();
});
