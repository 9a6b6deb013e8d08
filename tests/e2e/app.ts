/** Shared setup of the e2e flows: a fresh renderer build, an engine over lavfi fixtures, an in-process server. */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Engine, type EngineOptions } from '../../main/engine/engine.ts';
import { RENDERER_OUT } from '../../main/server/renderer-build.ts';
import { startServer, type ServerHandle } from '../../main/server/server.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { makeLibrary, PROJECT_ROOT, tempDir } from '../helpers/fixtures.ts';

let built = false;
/** Build the renderer from the current sources (once per process), so a test never runs a stale bundle. */
export async function buildRenderer(): Promise<string> {
  if (!built) {
    const vite = await import('vite');
    await vite.build({ configFile: path.join(PROJECT_ROOT, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
    built = true;
  }
  return RENDERER_OUT;
}

export interface AppFixture {
  dir: string;
  engine: Engine;
  server: ServerHandle;
  browser: Browser;
  lib: ReturnType<typeof makeLibrary> | null;
  close(): Promise<void>;
}

/** A library of lavfi videos, indexed once with k=2 (unless `index: false`), served, and a browser. */
export async function startApp(opts: { index?: boolean; library?: boolean; scan?: EngineOptions['scan'] } = {}): Promise<AppFixture> {
  const dir = tempDir('glimpse-e2e-');
  const lib = opts.library === false ? null : makeLibrary(path.join(dir, 'videos'));
  const engine = new Engine({ dbPath: path.join(dir, 'lib.db'), scan: { k: 2, ...opts.scan } });
  if (lib && opts.index !== false) {
    const { jobId } = await engine.call('library.addRoot', { path: lib.dir, scan: true });
    const job = await engine.jobs.wait(jobId!);
    if (job.state !== 'done') throw new Error(`indexing fixtures: ${job.state} ${job.error}`);
  }
  const server = await startServer(engine, { port: 0, staticDir: await buildRenderer() });
  const browser = await launchBrowser();
  return {
    dir,
    engine,
    server,
    browser,
    lib,
    async close() {
      await browser.close().catch(() => {});
      await server.close();
      await engine.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A page that fails the test on any uncaught error or console error. */
export async function openPage(
  app: AppFixture,
  hash = '',
  opts: { colorScheme?: 'dark' | 'light'; bypassCSP?: boolean } = {},
): Promise<{ page: Page; errors: string[] }> {
  // bypassCSP: only for injecting a test tool (axe-core) as a script tag; the app itself never needs it.
  const page = await app.browser.newPage({
    viewport: { width: 1280, height: 800 },
    colorScheme: opts.colorScheme ?? 'dark',
    bypassCSP: opts.bypassCSP ?? false,
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // A failed request is reported with its URL (the console message alone does not say which resource failed).
  // API 4xx answers are the app's readable errors, which the flows provoke and assert on screen; 5xx never is.
  page.on('response', (r) => {
    const p = new URL(r.url()).pathname;
    if (r.status() >= 500 || (r.status() >= 400 && !p.startsWith('/api/') && !/favicon/.test(p))) errors.push(`${r.status()} ${p}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && !/favicon|ERR_ABORTED|net::|Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  await page.goto(`${app.server.url}${hash}`);
  return { page, errors };
}
