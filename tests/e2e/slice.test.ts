// End to end: CLI-indexed library → `glimpse serve` → Debian Chromium: thumbnails, tag list, filter by tag.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshotPath, serveCli } from '../helpers/browser.ts';
import { makeLibrary, runCli, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
const db = path.join(dir, 'lib.db');
let server: Awaited<ReturnType<typeof serveCli>>;
let browser: Browser;

before(async () => {
  const lib = makeLibrary(path.join(dir, 'videos'));
  const r = await runCli(['add', lib.dir, '--db', db, '--k', '2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  server = await serveCli(db);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the server refuses API calls without its token and binds to loopback', async () => {
  assert.equal(new URL(server.url).hostname, '127.0.0.1');
  const res = await fetch(`${server.origin}/api/library.tags`, { method: 'POST', body: '{}' });
  assert.equal(res.status, 401);
  const ok = await fetch(`${server.origin}/api/library.tags`, {
    method: 'POST',
    body: '{}',
    headers: { Authorization: `Bearer ${server.token}` },
  });
  assert.equal(ok.status, 200);
});

test('the library shows thumbnails and tags, and a tag filters the grid', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  const cards = page.locator('[data-video-id]');
  await cards.first().waitFor();
  assert.equal(await cards.count(), 4);
  // Every readable video's thumbnail actually decoded (not a broken image).
  await page.waitForFunction(() => [...document.querySelectorAll('img')].every((i) => i.complete && i.naturalWidth > 0));
  assert.equal(await page.locator('img').count(), 3);

  await page.getByRole('button', { name: /^person\b/ }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-video-id]').length === 1);
  assert.match(await cards.first().innerText(), /person\.mp4/);
  await page.screenshot({ path: screenshotPath('slice-filter-person'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
