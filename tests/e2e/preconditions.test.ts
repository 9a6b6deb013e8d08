// Preconditions are checked before a button is enabled: Train is off, with the reason, while the library has fewer
// readable videos than training needs (the broken file does not count), and comes on once there are enough.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { screenshotPath } from '../helpers/browser.ts';
import { makeVideo } from '../helpers/fixtures.ts';
import { openPage, startApp, type AppFixture } from './app.ts';

let app: AppFixture;
before(async () => {
  app = await startApp({ scan: { teacherMinFrames: 8 } });
});
after(async () => {
  await app?.close();
});

test('Train is disabled with its reason before the click, and enabled once the library has enough videos', async () => {
  const { page, errors } = await openPage(app, '#/train');
  const button = page.getByRole('button', { name: 'Teach the student on my library' });
  const why = page.getByTestId('train-blocked');
  await why.waitFor();
  const t0 = (await app.engine.call('models.info', {})).training!;
  const readable = (await app.engine.call('library.videos', {})).videos.filter((v) => v.status === 'ok').length;
  assert.deepEqual([t0.ready, t0.readable, t0.needed], [false, readable, 4], 'the broken file is not readable');
  assert.equal(
    await why.innerText(),
    `Training needs a teacher scan of at least 4 readable videos; this library has ${readable}. Add a folder with more videos.`,
  );
  assert.equal(await button.isDisabled(), true);
  assert.equal(await button.getAttribute('aria-describedby'), 'train-why', 'the reason is the button’s description');
  await page.screenshot({ path: screenshotPath('train-blocked') });

  // One more readable video: the button comes on, and says what will happen first.
  for (let i = 0; readable + i < 4; i++) makeVideo(path.join(app.lib!.dir, `more ${i}.mp4`), { seconds: 1 });
  const { jobId } = await app.engine.call('library.rescan', { scan: false });
  assert.equal((await app.engine.jobs.wait(jobId)).state, 'done');
  await page.reload();
  await page.getByText(/videos without a teacher scan get one first/).waitFor();
  assert.equal(await button.isDisabled(), false);
  assert.equal(await why.count(), 0);
  const t1 = (await app.engine.call('models.info', {})).training!;
  assert.deepEqual([t1.ready, t1.readable, t1.teacherScanned], [true, 4, 0]);
  assert.deepEqual(errors, []);
  await page.close();
});
