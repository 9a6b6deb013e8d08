// Browser mode's folder picker: first run lists the home folder's folders (never files), opens one, picks it and the
// library indexes it; relative paths are refused with a clear error; the listing never leaves home (403).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { screenshotPath } from '../helpers/browser.ts';
import { makeVideo } from '../helpers/fixtures.ts';
import { openPage, startApp, type AppFixture } from './app.ts';

let app: AppFixture;
let home: string;
const savedHome = process.env.HOME;
before(async () => {
  app = await startApp({ library: false });
  home = path.join(fs.realpathSync(app.dir), 'home');
  makeVideo(path.join(home, 'Videos', 'holiday', 'beach day.mp4'), { seconds: 1 });
  const broken = path.join(home, 'Videos', 'holiday', 'broken.mp4');
  fs.writeFileSync(broken, 'this is text, not a video');
  // sat there a minute: a file modified seconds ago that does not probe is deferred as still being written
  fs.utimesSync(broken, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  fs.mkdirSync(path.join(home, 'Documents'), { recursive: true });
  fs.writeFileSync(path.join(home, 'notes.txt'), 'not a folder');
  process.env.HOME = home; // the server lists from os.homedir()
});
after(async () => {
  process.env.HOME = savedHome;
  await app?.close();
});

test('first run: browse to a folder inside home and index it; relative paths and paths outside home are refused', async () => {
  const { page, errors } = await openPage(app);
  await page.getByRole('heading', { name: /Point Glimpse at a folder/ }).waitFor();

  await page.getByLabel('Folder path').fill('Videos/holiday');
  await page.getByRole('button', { name: 'Index this folder' }).click();
  await page.getByRole('alert').filter({ hasText: 'use a full path (starting with /): “Videos/holiday” is relative' }).waitFor();

  await page.getByRole('button', { name: 'Browse your folders…' }).click();
  const picker = page.getByTestId('folder-picker');
  const folders = picker.getByRole('list', { name: 'Folders' });
  await folders.getByRole('button', { name: 'Videos' }).waitFor();
  assert.deepEqual(
    (await folders.getByRole('button').allInnerTexts()).map((t) => t.replace(/^\W+/, '').trim()),
    ['Documents', 'Videos'],
    'folders only: notes.txt is not listed',
  );
  assert.match(await picker.innerText(), new RegExp(home.replace(/[/\\]/g, '.')));
  await folders.getByRole('button', { name: 'Videos' }).click();
  await folders.getByRole('button', { name: 'holiday' }).click();
  await folders.getByRole('button', { name: /Up to/ }).waitFor();
  await page.screenshot({ path: screenshotPath('first-run-folder-picker') });
  await picker.getByRole('button', { name: 'Use this folder' }).click();
  await page.locator('[data-video-id]').filter({ hasText: 'beach day.mp4' }).waitFor({ timeout: 90_000 });

  // When the job ends, one line says what it did, with a link to what needs a look (the engine's own counts).
  const notice = page.getByTestId('notice-text').filter({ hasText: /^Indexing finished/ });
  await notice.waitFor({ timeout: 90_000 });
  const job = (await app.engine.call('jobs.list', {})).find((j) => j.kind === 'index+scan')!;
  assert.deepEqual(job.outcome, { tagged: 1, unreadable: 1, retry: 0 });
  assert.equal(await notice.innerText(), 'Indexing finished: 1 tagged, 1 unreadable: see Needs attention');
  await page.screenshot({ path: screenshotPath('job-summary') });
  await notice.getByRole('link', { name: 'see Needs attention' }).click();
  await page.waitForFunction(() => location.hash === '#/library?attention=1');
  await page.locator('[data-video-id]').filter({ hasText: 'broken.mp4' }).waitFor();
  assert.equal(await page.getByRole('checkbox', { name: /^Needs attention/ }).isChecked(), true);
  assert.deepEqual(
    (await app.engine.call('library.roots', {})).map((r) => r.path),
    [path.join(home, 'Videos', 'holiday')],
  );

  // The page's own API cannot list outside home: traversal answers 403 with a reason, and never a listing.
  const answers = await page.evaluate(
    async (paths) =>
      Promise.all(
        paths.map(async (p) => {
          const r = await fetch('/api/fs.listFolders', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ path: p }),
          });
          return { status: r.status, body: await r.json() };
        }),
      ),
    ['/etc', `${home}/../..`, '/', `${home}/Videos/../../..`],
  );
  for (const a of answers) {
    assert.equal(a.status, 403, JSON.stringify(a));
    assert.match(a.body.error, /only folders inside your home folder or a library folder/);
  }
  assert.deepEqual(errors, []);
  await page.close();
});
