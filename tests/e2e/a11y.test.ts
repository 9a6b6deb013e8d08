// Accessibility and polish: keyboard-only use (skip link, grid arrows, Enter opens, Space looks, X selects), a visible focus
// ring, dark and light themes (saved), no layout shift while the library loads, and readable errors.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { screenshotPath } from '../helpers/browser.ts';
import { PROJECT_ROOT } from '../helpers/fixtures.ts';
import { openPage, startApp, type AppFixture } from './app.ts';

let app: AppFixture;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const cs = getComputedStyle(el);
    return {
      tag: el.tagName,
      text: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim(),
      index: el.closest('[data-index]')?.getAttribute('data-index') ?? null,
      outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2,
    };
  });

// The grid moves focus on the next animation frame (after scrolling the row into view).
const focusIndex = (page: Page, i: number) =>
  page.waitForFunction((want) => document.activeElement?.closest('[data-index]')?.getAttribute('data-index') === String(want), i);

test('keyboard only: skip link, arrows through the grid, Enter opens, Space looks, X selects; focus is visible', async () => {
  const { page, errors } = await openPage(app);
  await page.locator('[data-video-id]').first().waitFor();
  await page.keyboard.press('Tab');
  assert.equal((await focused(page)).text, 'Skip to content');
  assert.ok((await focused(page)).outline, 'the skip link shows a focus ring');

  // Into the grid: focus the first card's link, then arrows move focus card by card and row by row.
  await page.locator('[data-index="0"] a.open').focus();
  await page.keyboard.press('ArrowRight');
  await focusIndex(page, 1);
  let f = await focused(page);
  assert.ok(f.outline, 'a focused card shows a focus ring');
  await page.screenshot({ path: screenshotPath('a11y-grid-focus') });
  await page.keyboard.press('ArrowLeft');
  await focusIndex(page, 0);
  // Space is Quick look (as in Finder), Space again closes it back onto the card; X selects.
  await page.keyboard.press('Space');
  await page.getByTestId('lightbox').waitFor();
  await page.keyboard.press('Space');
  await page.getByTestId('lightbox').waitFor({ state: 'hidden' });
  await focusIndex(page, 0);
  await page.keyboard.press('x');
  await page.getByRole('group', { name: 'Selection' }).getByText('1 selected').waitFor();
  await page.keyboard.press('ArrowRight');
  await focusIndex(page, 1);
  const name = (await focused(page)).text.split(',')[0];
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name }).waitFor();

  // Every interactive control on the detail page is reachable by Tab and shows its ring.
  const seen = new Set<string>();
  for (let i = 0; i < 80 && !([...seen].some((t) => /Run teacher scan/.test(t)) && [...seen].some((t) => /^Frame at/.test(t))); i++) {
    await page.keyboard.press('Tab');
    f = await focused(page);
    if (f.tag === 'BODY') continue;
    if (f.tag !== 'VIDEO') assert.ok(f.outline, `focus ring on ${f.tag} “${f.text}”`);
    seen.add(f.text);
  }
  assert.ok(
    [...seen].some((t) => /Run teacher scan/.test(t)),
    [...seen].join(' | '),
  );
  assert.ok([...seen].some((t) => /^Frame at/.test(t)));
  assert.deepEqual(errors, []);
  await page.close();
});

test('dark and light themes, the choice survives a reload', async () => {
  const { page, errors } = await openPage(app, '', { colorScheme: 'light' });
  await page.locator('[data-video-id]').first().waitFor();
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.card img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0),
  );
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(await bg(), 'rgb(246, 247, 249)', 'follows the system (light)');
  await page.screenshot({ path: screenshotPath('a11y-theme-light') });
  await page.getByTestId('theme').click(); // auto → dark
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  assert.equal(await bg(), 'rgb(17, 20, 24)');
  await page.reload();
  await page.locator('[data-video-id]').first().waitFor();
  assert.equal(await bg(), 'rgb(17, 20, 24)', 'the choice is remembered');
  await page.screenshot({ path: screenshotPath('a11y-theme-dark') });
  await page.getByTestId('theme').click(); // dark → light
  assert.equal(await bg(), 'rgb(246, 247, 249)');
  // Text stays readable in both: muted text against the page has at least 4.5:1 contrast.
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => {
      document.documentElement.dataset.theme = t;
    }, theme);
    // A string, so the bundler's helpers never end up inside the page.
    const ratio = (await page.evaluate(`(() => {
      const rgb = (s) => s.match(/\\d+/g).slice(0, 3).map(Number);
      const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
      const fg = lum(rgb(getComputedStyle(document.querySelector('.muted')).color)), bgc = lum(rgb(getComputedStyle(document.body).backgroundColor));
      return (Math.max(fg, bgc) + 0.05) / (Math.min(fg, bgc) + 0.05);
    })()`)) as number;
    assert.ok(ratio >= 4.5, `${theme}: muted text contrast ${ratio.toFixed(2)}`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('no layout shift while the library and its thumbnails load; a notice does not push the page', async () => {
  const page = await app.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  await page.addInitScript(() => {
    (window as unknown as { __cls: number }).__cls = 0;
    new PerformanceObserver((l) => {
      for (const e of l.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) {
        if (!e.hadRecentInput) (window as unknown as { __cls: number }).__cls += e.value;
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await page.goto(app.server.url);
  await page.locator('[data-video-id]').first().waitFor();
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.card img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0),
  );
  await page.waitForTimeout(500);
  const cls = await page.evaluate(() => (window as unknown as { __cls: number }).__cls);
  assert.ok(cls < 0.1, `cumulative layout shift ${cls}`);

  // A readable error (no stack trace, no code) as a toast that leaves the grid where it was.
  const before = await page.locator('[data-index="0"]').boundingBox();
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Folder path').fill('relative/path');
  await page.getByRole('button', { name: 'Add folder' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const text = await alert.innerText();
  assert.match(text, /use a full path \(starting with \/\): “relative\/path” is relative/);
  assert.doesNotMatch(text, /at \w+ \(|Error:|EngineError|\{/);
  await page.screenshot({ path: screenshotPath('a11y-readable-error') });
  await page.getByRole('link', { name: 'Library', exact: true }).click();
  await page.locator('[data-index="0"]').waitFor();
  assert.deepEqual(await page.locator('[data-index="0"]').boundingBox(), before, 'the notice does not move the grid');
  await alert.getByRole('button', { name: 'Dismiss' }).click();
  await alert.waitFor({ state: 'detached' });
  await page.close();
});

/** Serious and critical axe-core violations on the page as it is now (axe injected as a script tag). */
async function axeViolations(page: Page, what: string): Promise<string[]> {
  await page.addScriptTag({ path: path.join(PROJECT_ROOT, 'node_modules', 'axe-core', 'axe.min.js') });
  const found = (await page.evaluate(`(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.impact + ' ' + v.id + ': ' + v.help + ' — ' + v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(', '));
  })()`)) as string[];
  return found.map((f) => `${what}: ${f}`);
}

test('axe-core finds no serious or critical violation on any view, in dark and light', async () => {
  const { videos } = await app.engine.call('library.videos', {});
  const person = videos.find((v) => v.name === 'person.mp4') ?? videos.find((v) => v.status === 'ok')!;
  const broken = videos.find((v) => v.status === 'error')!;
  const views: [string, string, (p: Page) => Promise<unknown>][] = [
    ['library', '', (p) => p.locator('[data-video-id]').first().waitFor()],
    ['library filtered', '#/library?q=pe&conf=60&sort=size', (p) => p.locator('[data-video-id]').first().waitFor()],
    [
      'library by date recorded, date and size filters',
      '#/library?sort=recorded&dir=desc&addedFrom=2000-01-01&sizeMax=500',
      (p) => p.locator('[data-video-id]').first().waitFor(),
    ],
    [
      'library filters that keep nothing, as chips',
      '#/library?recFrom=2020-01-01&recTo=2020-12-31&res=2160&sizeMin=1',
      (p) => p.getByTestId('active-filters').waitFor(),
    ],
    ['detail', `#/video/${person.id}`, (p) => p.getByRole('heading', { name: person.name }).waitFor()],
    ['detail of an unreadable file', `#/video/${broken.id}`, (p) => p.getByRole('heading', { name: broken.name }).waitFor()],
    ['compare', '#/compare', (p) => p.getByRole('heading', { name: 'Student vs teacher' }).waitFor()],
    ['settings', '#/settings', (p) => p.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()],
    ['train', '#/train', (p) => p.locator('main h1').waitFor()],
    ['tags', '#/tags', (p) => p.locator('tbody tr').first().waitFor()],
  ];
  const problems: string[] = [];
  for (const scheme of ['dark', 'light'] as const) {
    const { page, errors } = await openPage(app, '', { colorScheme: scheme, bypassCSP: true });
    for (const [name, hash, ready] of views) {
      await page.evaluate((h) => (location.hash = h || '#/library'), hash);
      await ready(page);
      await page.waitForTimeout(300); // let loading states settle (axe reads what is on screen)
      problems.push(...(await axeViolations(page, `${name} (${scheme})`)));
    }
    // A card previewing its frames (focus held), then Quick look opened with Space.
    await page.evaluate(() => (location.hash = '#/library'));
    const card = page
      .locator('[data-video-id]')
      .filter({ has: page.locator('img') })
      .first()
      .locator('a.open');
    await card.focus();
    await page.waitForFunction(() =>
      /\/frame\//.test(document.activeElement?.closest('.card')?.querySelector('img')?.getAttribute('src') ?? ''),
    );
    problems.push(...(await axeViolations(page, `library hover preview (${scheme})`)));
    await page.keyboard.press('Space');
    await page.getByTestId('lightbox').waitFor();
    problems.push(...(await axeViolations(page, `quick look (${scheme})`)));
    await page.keyboard.press('Escape');
    await page.getByTestId('lightbox').waitFor({ state: 'hidden' });
    // The autocomplete list open, and a confirm dialog.
    await page.evaluate(() => (location.hash = '#/tags'));
    await page.locator('tbody tr').first().waitFor();
    await page
      .locator('tbody tr')
      .first()
      .getByRole('button', { name: /^Delete / })
      .click();
    await page.getByRole('dialog').waitFor();
    problems.push(...(await axeViolations(page, `confirm dialog (${scheme})`)));
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    assert.deepEqual(errors, []);
    await page.close();
  }

  // First run: a library with no folder yet.
  const empty = await startApp({ library: false });
  try {
    for (const scheme of ['dark', 'light'] as const) {
      const { page } = await openPage(empty, '', { colorScheme: scheme, bypassCSP: true });
      await page.getByRole('heading', { name: /Point Glimpse at a folder/ }).waitFor();
      problems.push(...(await axeViolations(page, `first run (${scheme})`)));
      await page.getByRole('button', { name: 'Browse your folders…' }).click();
      await page.getByTestId('folder-picker').getByRole('button', { name: 'Use this folder' }).waitFor();
      problems.push(...(await axeViolations(page, `folder picker (${scheme})`)));
      await page.close();
    }
  } finally {
    await empty.close();
  }
  assert.deepEqual(problems, []);
});
