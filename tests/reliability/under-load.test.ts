/**
 * The app's main flow while the machine is busy: a real `glimpse add` looping in a child process over lavfi
 * fixtures (ffmpeg decodes and CNN inference, a fresh database each round) and a busy loop per core run the whole
 * time, while Chromium opens the app, searches a tag, opens a video, adds a tag, and reads Compare. Under load a
 * valid video must still be tagged (never marked broken), and every value shown must be right; only the waits are
 * longer (generous, but bounded: the test gives up after 4 minutes).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { screenshotPath } from '../helpers/browser.ts';
import { makeVideo, PROJECT_ROOT, tempDir } from '../helpers/fixtures.ts';
import { openPage, startApp, type AppFixture } from '../e2e/app.ts';

const WAIT_MS = 90_000; // one UI step under load; the whole test is bounded by its own timeout
const loadDir = tempDir('glimpse-load-');
const load: ChildProcess[] = [];
let app: AppFixture;
let addRounds = 0;

function startLoad(): void {
  const lib = path.join(loadDir, 'lib');
  for (const [i, src] of ['testsrc2', 'mandelbrot', 'smptebars'].entries())
    makeVideo(path.join(lib, `l${i}.mp4`), { source: `${src}=size=240x180:rate=10`, seconds: 2 });
  const db = path.join(loadDir, 'load.db');
  const bin = path.join(PROJECT_ROOT, 'main', 'cli', 'bin.js');
  // a fresh database each round, so every round indexes, decodes and runs the CNN again
  const script = `while true; do rm -rf '${db}'*; '${process.execPath}' '${bin}' add '${lib}' --db '${db}' --k 6 >/dev/null 2>&1; echo round; done`;
  const adder = spawn('sh', ['-c', script], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, NODE_TEST_CONTEXT: '' },
  });
  adder.stdout!.on('data', (d: Buffer) => (addRounds += String(d).split('round').length - 1));
  load.push(adder);
  for (let i = 0; i < (os.availableParallelism?.() ?? 2); i++)
    load.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { detached: true, stdio: 'ignore' }));
}

before(async () => {
  startLoad();
  // the fixture library is indexed and student-scanned under the load too; then a small teacher scan for Compare
  app = await startApp({ scan: { teacherMinFrames: 2, teacherMaxFrames: 4 } });
  const { jobId } = await app.engine.call('scan.start', { kind: 'teacher' });
  const job = await app.engine.jobs.wait(jobId);
  assert.equal(job.state, 'done', job.error ?? '');
});

after(async () => {
  for (const p of load) {
    try {
      process.kill(-p.pid!, 'SIGKILL'); // the add loop's whole group: the CLI and its ffmpeg children
    } catch {
      /* already gone */
    }
  }
  await app?.close();
  fs.rmSync(loadDir, { recursive: true, force: true });
});

test('under load: open, search a tag, open a video, add a tag, read Compare: every value right', { timeout: 240_000 }, async () => {
  // nothing valid was marked broken because the machine was busy: only the fixture's text file is
  const videos = (await app.engine.call('library.videos', { limit: 100 })).videos;
  const valid = videos.filter((v) => v.name !== 'broken.mp4');
  assert.equal(valid.length, 3);
  assert.deepEqual(
    valid.filter((v) => v.status !== 'ok').map((v) => [v.name, v.status, v.error]),
    [],
  );

  const { page, errors } = await openPage(app);
  page.setDefaultTimeout(WAIT_MS);
  const names = () => page.locator('[data-video-id] .name').allInnerTexts();
  await page.locator('[data-video-id]').first().waitFor();
  await page.waitForFunction((n) => document.querySelectorAll('[data-video-id]').length === n, videos.length, { timeout: WAIT_MS });

  // search a tag: the library's own answer, shown
  const want = (await app.engine.call('library.search', { q: 'person' })).videos.map((v) => v.name).sort();
  assert.ok(want.includes('person.mp4') || want.length === 0, `person search: ${want}`);
  const search = page.getByLabel('Search tags and file names');
  await search.fill('person');
  await search.press('Enter');
  await page.waitForFunction(
    (w) => JSON.stringify([...document.querySelectorAll('[data-video-id] .name')].map((e) => e.textContent).sort()) === JSON.stringify(w),
    want.length ? want : [],
    { timeout: WAIT_MS },
  );
  assert.deepEqual((await names()).sort(), want);

  // open a video: its page names it and lists the tags the engine holds
  const target = videos.find((v) => v.name === 'pattern one.mp4')!;
  await page.goto(`${app.server.url}#/video/${target.id}`);
  await page.getByRole('heading', { name: 'pattern one.mp4' }).waitFor();

  // add a tag: stored as the person's, shown with the word "you"
  await page.getByLabel('Add a tag').fill('Under Load');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const added = page.locator('.tags > li[data-tag="under load"]');
  await added.waitFor();
  assert.match(await added.innerText(), /under load[\s\S]*you/);
  const tags = (await app.engine.call('library.video', { id: target.id })).tags;
  assert.ok(
    tags.some((t) => t.tag === 'under load' && t.source === 'human'),
    JSON.stringify(tags),
  );

  // Compare: the three readable videos have both scans, and the page says so
  await page.goto(`${app.server.url}#/compare`);
  await page.getByRole('table', { name: 'Library-wide metrics' }).waitFor();
  const s = await app.engine.call('compare.summary', {});
  assert.equal(s.library.pairs, 3);
  await page.getByText(/3 videos with both scans/).waitFor();
  await page.screenshot({ path: screenshotPath('under-load-compare') });

  assert.deepEqual(errors, []);
  await page.close();
  console.log(`under load: ${addRounds} background add rounds finished meanwhile, ${load.length - 1} busy loops`);
});
