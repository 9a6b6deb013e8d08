// Train: "teach the student on my library" runs the training job with progress and shows the models in use and
// before/after metrics. (Engine side: main/engine/model-service.ts.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import path from 'node:path';
import { screenshotPath } from '../helpers/browser.ts';
import { makeVideo, personImage } from '../helpers/fixtures.ts';
import { openPage, startApp, type AppFixture } from './app.ts';

let app: AppFixture;
// Training holds out videos for the before/after metrics, so it needs a few more readable clips than the base library.
before(async () => {
  app = await startApp({ index: false, scan: { teacherMinFrames: 8 } });
  makeVideo(path.join(app.lib!.dir, 'bars.mp4'), { source: 'smptehdbars=size=320x240:rate=25' });
  makeVideo(path.join(app.lib!.dir, 'life.mp4'), { source: 'life=size=320x240:rate=25:mold=10' });
  makeVideo(path.join(app.lib!.dir, 'person again.mp4'), {
    source: `movie=${personImage()!.replace(/[\\:',]/g, (c) => `\\${c}`)},loop=loop=-1:size=1,scale=480:-2,setpts=N/25/TB`,
  });
  const { jobId } = await app.engine.call('library.addRoot', { path: app.lib!.dir, scan: true });
  assert.equal((await app.engine.jobs.wait(jobId!)).state, 'done');
});
after(async () => {
  await app?.close();
});

test('models in use, train with progress, before/after metrics', async () => {
  const { page, errors } = await openPage(app, '#/train');
  await page.getByRole('heading', { name: 'Teach the student on my library' }).waitFor();
  const models = page.getByTestId('models');
  await models.waitFor({ timeout: 60_000 });
  assert.match(await models.getByRole('row', { name: /^Teacher/ }).innerText(), /\S/);
  assert.match(await models.getByRole('row', { name: /^Student/ }).innerText(), /\S/);
  await page.getByText('Not trained on this library yet.').waitFor();
  await page.screenshot({ path: screenshotPath('train-before') });

  await page.getByLabel('Frames (k)').fill('2');
  await page.getByLabel('Epochs').fill('3');
  await page.getByRole('button', { name: 'Teach the student on my library' }).click();
  // Progress both in the view and in the global job bar.
  const progress = page.getByTestId('train-progress');
  await progress.waitFor();
  await page.getByTestId('job').filter({ hasText: 'Training' }).waitFor();
  assert.equal(await page.getByTestId('job').getByRole('button', { name: 'Pause' }).count(), 0, 'training can be cancelled, not paused');
  await page.screenshot({ path: screenshotPath('train-running') });
  await progress
    .filter({ hasText: /(Done|Failed|Cancelled) ·/ })
    .waitFor({ timeout: 300_000 })
    .catch(async (e) => {
      await page.screenshot({ path: screenshotPath('train-timeout') });
      throw e;
    });
  assert.doesNotMatch(
    await progress.innerText(),
    /Failed/,
    await page
      .locator('.error')
      .allInnerTexts()
      .then((t) => t.join(' ')),
  );

  const table = page.getByTestId('before-after');
  await table.waitFor();
  for (const label of ['GAP@20', 'mAP', 'hit@1', 'precision', 'recall']) {
    assert.match(await table.getByRole('row', { name: new RegExp(`^${label}`) }).innerText(), /\d+%/, label);
  }
  const info = await app.engine.call('models.info', {});
  assert.ok(info.lastTraining?.after, 'the engine reports the training');
  assert.equal(info.student?.origin, 'library', 'the refitted student is now in use');
  await page.screenshot({ path: screenshotPath('train-after'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
