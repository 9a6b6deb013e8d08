// Settings: k and the model family (saved, survive a reload), the backend in use (GPU or not, and why), ffmpeg,
// library folders (add by path in browser mode, remove), cache size and clear, tag export as CSV and JSON — the same
// bytes `glimpse export --format csv|json` prints.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { RESTARTED_MESSAGE } from '../../main/host/host-client.ts';
import { fmtBytes } from '../../renderer/src/lib/format.ts';
import { screenshotPath } from '../helpers/browser.ts';
import { runCli } from '../helpers/fixtures.ts';
import { openPage, startApp, type AppFixture } from './app.ts';

let app: AppFixture;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

test('k, family, backend, ffmpeg, folders, cache', async () => {
  // A keyframe image in the cache, so there is something to clear.
  const id = (await app.engine.call('library.search', { q: 'name:person' })).videos[0].id;
  await app.engine.media.framePath(id, 0);

  const { page, errors } = await openPage(app, '#/settings');
  // No browser confirm() boxes: a native dialog would fail the flow.
  page.on('dialog', (d) => {
    errors.push(`native ${d.type()} dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  const k = page.getByLabel('Frames the student looks at per video (k)');
  await page.waitForFunction(() => (document.getElementById('k') as HTMLInputElement).value === '2');
  await k.fill('4');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'looks at 4 frames' }).waitFor();
  await page.getByLabel('Video model family').selectOption('nextvlad');
  await page.getByRole('status').filter({ hasText: 'Video model family: nextvlad' }).waitFor();
  assert.deepEqual(await app.engine.call('settings.get', {}).then((s) => [s.k, s.family]), [4, 'nextvlad']);

  // Backend and GPU, in words, with the reason; ffmpeg in use.
  const backend = page.getByTestId('backend');
  await backend.waitFor({ timeout: 60_000 });
  const doctor = await app.engine.call('system.doctor', {});
  assert.match(await backend.innerText(), new RegExp(`${doctor.backend.name} — \\S`));
  // GPU: yes/no, why in words, and what runs instead; never the loader's raw text.
  const gpu = await page.getByTestId('gpu').innerText();
  assert.equal(
    gpu.replace(/\s+/g, ' ').trim(),
    doctor.gpu.used ? `yes — ${doctor.gpu.why}` : `no — ${doctor.gpu.why}. Running ${doctor.gpu.instead} instead.`,
  );
  assert.doesNotMatch(gpu, /Cannot find module|Require stack|node_modules/);
  assert.match(await page.getByTestId('ffmpeg').innerText(), new RegExp(doctor.ffmpeg!.path.replace(/[/.]/g, '\\$&')));

  // Folders: the root with its count; add one by path (browser mode), then remove it after confirming.
  const rootPath = fs.realpathSync(app.lib!.dir);
  assert.match(await page.locator('.roots li', { hasText: rootPath }).first().innerText(), /4 videos/);
  const extra = path.join(app.dir, 'more videos');
  fs.mkdirSync(extra);
  await page.getByLabel('Folder path').fill(extra);
  await page.getByRole('button', { name: 'Add folder' }).click();
  await page.locator('.roots li', { hasText: 'more videos' }).waitFor();
  await page.getByLabel('Folder path').fill('/definitely/not/here');
  await page.getByRole('button', { name: 'Add folder' }).click();
  await page.getByRole('alert').filter({ hasText: 'folder not found: /definitely/not/here' }).waitFor();

  // Cache: a size, and clearing it frees the keyframe images.
  const size = page.getByTestId('cache-size');
  const before = await size.innerText();
  const info = await app.engine.call('cache.info', {});
  assert.ok(info.files >= 2, 'a poster and the frame JPEG at least');
  assert.equal(before, fmtBytes(info.bytes));
  await page.screenshot({ path: screenshotPath('settings'), fullPage: true });
  await page.getByRole('button', { name: 'Clear frame cache' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: /Freed [1-9][\d.]* KB/ })
    .waitFor();
  await page.waitForFunction((b) => document.querySelector('[data-testid=cache-size]')?.textContent !== b, before);

  // Removing a folder asks in an in-app dialog: focus inside it, Tab stays inside, Escape cancels.
  const removeExtra = page.getByRole('button', { name: `Remove ${fs.realpathSync(extra)}` });
  await removeExtra.click();
  const dialog = page.getByRole('dialog', { name: 'Remove this folder from the library?' });
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /more videos/);
  await page.screenshot({ path: screenshotPath('settings-confirm') });
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel', 'the safe choice has focus');
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => !!document.activeElement?.closest('dialog')), 'focus stays in the dialog');
  }
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), `Remove ${fs.realpathSync(extra)}`);
  assert.equal(await page.locator('.roots li', { hasText: 'more videos' }).count(), 1, 'Escape kept the folder');
  await removeExtra.click();
  await dialog.getByRole('button', { name: 'Remove folder' }).click();
  await page.locator('.roots li', { hasText: 'more videos' }).waitFor({ state: 'detached' });
  assert.equal((await app.engine.call('library.roots', {})).length, 1);

  await page.reload();
  await page.waitForFunction(() => (document.getElementById('k') as HTMLInputElement).value === '4');
  assert.equal(await page.getByLabel('Video model family').inputValue(), 'nextvlad');
  assert.deepEqual(errors, []);
  await page.close();
});

test('when the engine process was restarted, every view shows it in words, until dismissed', async () => {
  const { page, errors } = await openPage(app, '#/settings');
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  // In the Electron app the host client pushes this event after a restart (tests/host); here it goes out over SSE.
  app.engine.events.emit('event', { type: 'engine', state: 'restarted', message: RESTARTED_MESSAGE });
  const banner = page.getByTestId('engine-banner');
  await banner.waitFor();
  assert.equal(await banner.getByText(RESTARTED_MESSAGE).count(), 1);
  assert.equal(await banner.getAttribute('role'), 'status');
  await banner.getByRole('button', { name: 'Dismiss' }).click();
  await banner.waitFor({ state: 'detached' });
  assert.deepEqual(errors, []);
  await page.close();
});

test('export tags as CSV and JSON; the CLI exports the same', async () => {
  const { page, errors } = await openPage(app, '#/settings');
  const exported: Record<string, string> = {};
  for (const format of ['CSV', 'JSON']) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Export ${format}` }).click()]);
    assert.equal(download.suggestedFilename(), `glimpse-tags.${format.toLowerCase()}`);
    const file = path.join(app.dir, download.suggestedFilename());
    await download.saveAs(file);
    exported[format] = fs.readFileSync(file, 'utf8');
  }
  const csv = exported.CSV.trim().split('\n');
  assert.equal(csv[0], 'video_id,path,tag,score,source');
  assert.ok(
    csv.some((l) => /person\.mp4,person,0\.\d+,student$/.test(l)),
    exported.CSV,
  );
  const json = JSON.parse(exported.JSON) as { videos: { path: string; tags: { tag: string }[] }[] };
  assert.ok(json.videos.some((v) => v.path.endsWith('person.mp4') && v.tags.some((t) => t.tag === 'person')));

  for (const format of ['csv', 'json']) {
    const r = await runCli(['export', '--format', format, '--db', app.engine.dbPath]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, exported[format.toUpperCase()], `glimpse export --format ${format}`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});
