// `glimpse serve` watches the library roots (one-shot commands do not): a video copied into a root while the
// server runs shows up in the database without any command, and the watch status is on the API.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { makeVideo, PROJECT_ROOT, runCli, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
const children: ReturnType<typeof spawn>[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

// Generous limits: `serve` builds the renderer first when out/renderer is missing (a fresh clone, or a build running).
test('serve picks up a new video in a root by itself', { timeout: 400_000 }, async () => {
  const lib = path.join(dir, 'lib');
  fs.mkdirSync(lib);
  const db = path.join(dir, 'serve.db');
  const env = { GLIMPSE_WATCH_DEBOUNCE_MS: '200', GLIMPSE_SETTLE_MS: '0' };
  assert.equal((await runCli(['roots', 'add', lib, '--no-scan', '--db', db], { env })).code, 0);
  const clip = makeVideo(path.join(dir, 'clip.mp4'), { seconds: 1, source: 'testsrc2=size=96x64:rate=10' });

  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'main', 'cli', 'bin.js'), 'serve', '--json', '--db', db], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  try {
    let out = '',
      err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const deadline = Date.now() + 300_000;
    while (!out.includes('"token"') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    assert.ok(out.includes('"token"'), `serve did not start: ${err}`);
    const { url, token } = JSON.parse(out) as { url: string; token: string };
    const call = async (channel: string) =>
      (
        await fetch(`${new URL(url).origin}/api/${channel}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: '{}',
          signal: AbortSignal.timeout(30_000),
        })
      ).json() as Promise<{ active: boolean; roots: { mode: string }[] }>;
    let status = await call('library.watchStatus');
    while (!status.roots?.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      status = await call('library.watchStatus');
    }
    assert.equal(status.active, true, JSON.stringify(status));
    assert.equal(status.roots[0].mode, 'watching');

    fs.renameSync(clip, path.join(lib, 'arrived.mp4'));
    const rows = () => {
      const h = new Database(db, { readonly: true });
      try {
        return h.prepare(`SELECT name, duration_s FROM videos`).all() as { name: string; duration_s: number | null }[];
      } finally {
        h.close();
      }
    };
    while (!rows().some((r) => r.name === 'arrived.mp4' && r.duration_s) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    assert.ok(
      rows().some((r) => r.name === 'arrived.mp4' && r.duration_s),
      'the new video was indexed while serving',
    );
  } finally {
    // A clean stop on SIGTERM is the norm (a second or two); never let a slow shutdown hang the suite.
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
  }
});
