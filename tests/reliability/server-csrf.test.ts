// CSRF in real Chromium: a page served by another server on another 127.0.0.1 port is the same *site* as Glimpse,
// so the SameSite=Strict token cookie goes along with its requests. Every way it has to write (text/plain fetch,
// form posts, a JSON fetch that needs a preflight) and to read (events, posters) must be refused, and nothing may
// change; the app's own page, same origin, keeps working.
import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { Engine } from '../../main/engine/engine.ts';
import { startServer, type ServerHandle } from '../../main/server/server.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { seed } from '../server/seed.ts';

const dir = tempDir();
const root = path.join(dir, 'lib');
const db = path.join(dir, 'lib.db');
let engine: Engine;
let server: ServerHandle;
let evil: http.Server;
let evilOrigin = '';
let browser: Browser;
let ids: number[];

/** The attacker's page: tries every write and read it can, and reports what it could observe. */
function attackerPage(target: string, videoIds: number[], newRoot: string): string {
  const writes = [
    ['settings.set', { k: 1 }],
    ['tags.edit', { videoIds, add: ['pwned'] }],
    ['tags.rename', { from: 'dog', to: 'pwned' }],
    ['library.removeRoot', { path: root }],
    ['library.addRoot', { path: newRoot, scan: false }],
  ];
  return `<!doctype html><html><body><script>
const target = ${JSON.stringify(target)};
const writes = ${JSON.stringify(writes)};
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
async function attack() {
  const out = [];
  for (const [channel, body] of writes) {
    // 1. a "simple" request: no preflight, the cookie goes along, the answer is opaque
    try {
      await fetch(target + '/api/' + channel, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) });
      out.push(channel + ' text/plain: sent (opaque)');
    } catch (e) { out.push(channel + ' text/plain: failed ' + e); }
    // 2. JSON with credentials: needs a preflight, which must be refused
    try {
      const r = await fetch(target + '/api/' + channel, { method: 'POST', mode: 'cors', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      out.push(channel + ' json: READ ' + r.status);
    } catch (e) { out.push(channel + ' json: refused'); }
    // 3. form posts (text/plain shaped as JSON, and urlencoded) into a hidden frame
    for (const enctype of ['text/plain', 'application/x-www-form-urlencoded']) {
      const frame = document.createElement('iframe');
      frame.name = 'f' + Math.random().toString(36).slice(2);
      document.body.appendChild(frame);
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = target + '/api/' + channel;
      form.enctype = enctype;
      form.target = frame.name;
      const input = document.createElement('input');
      const json = JSON.stringify(body);
      input.name = json.slice(0, -1) + ',"x":"';
      input.value = '"}';
      form.appendChild(input);
      document.body.appendChild(form);
      const loaded = new Promise((r) => frame.addEventListener('load', r, { once: true }));
      form.submit();
      await Promise.race([loaded, wait(5000)]);
      out.push(channel + ' form ' + enctype + ': submitted');
    }
  }
  // reads: the event stream and a poster
  out.push(await new Promise((resolve) => {
    const es = new EventSource(target + '/api/events', { withCredentials: true });
    es.onopen = () => { es.close(); resolve('events: OPEN'); };
    es.onerror = () => { es.close(); resolve('events: refused'); };
  }));
  out.push(await new Promise((resolve) => {
    const img = new Image();
    img.onload = () => resolve('thumb: LOADED');
    img.onerror = () => resolve('thumb: refused');
    img.src = target + '/thumb/${videoIds[0]}';
  }));
  try {
    const r = await fetch(target + '/api/library.search', { method: 'POST', credentials: 'include', mode: 'cors', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
    out.push('search read: READ ' + r.status);
  } catch { out.push('search read: refused'); }
  return out;
}
window.attack = attack;
</script></body></html>`;
}

before(async () => {
  fs.mkdirSync(root, { recursive: true });
  engine = new Engine({ dbPath: db });
  await engine.call('library.addRoot', { path: root, scan: false });
  const r = fs.realpathSync(root);
  fs.writeFileSync(path.join(r, 'a.mp4'), 'x');
  ids = seed(db, r, [
    { path: path.join(r, 'a.mp4'), tags: [['dog', 0.9]] },
    { path: path.join(r, 'b.mp4'), tags: [['cat', 0.8]] },
  ]);
  // A real poster (a 1×1 JPEG), so a refused <img> is refused by the server, not for want of a picture.
  fs.mkdirSync(engine.media.thumbsDir, { recursive: true });
  const thumb = path.join(engine.media.thumbsDir, `${ids[0]}.jpg`);
  fs.writeFileSync(
    thumb,
    Buffer.from(
      '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
      'base64',
    ),
  );
  const d = new Database(db);
  d.prepare('UPDATE videos SET thumbnail = ? WHERE id = ?').run(thumb, ids[0]);
  d.close();
  server = await startServer(engine, { port: 0 });
  const page = attackerPage(`http://127.0.0.1:${server.port}`, ids, path.join(dir, 'evil-root'));
  fs.mkdirSync(path.join(dir, 'evil-root'));
  evil = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (evil ? evil.close(() => resolve()) : resolve()));
  await server?.close();
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const state = async () => ({
  settings: await engine.call('settings.get', {}),
  tags: await engine.call('library.tags', {}),
  roots: (await engine.call('library.roots', {})).map((r) => r.path),
  videos: (await engine.call('library.search', { limit: 100 })).videos.map((v) => [v.id, v.tags.map((t) => `${t.tag}:${t.source}`)]),
});

test('a page on another 127.0.0.1 port cannot write or read through the cookie; the own page still can', { timeout: 120_000 }, async () => {
  const ctx = await browser.newContext();
  try {
    // The victim opened Glimpse once: the HttpOnly SameSite=Strict cookie is now in the browser.
    const app = await ctx.newPage();
    await app.goto(server.url);
    assert.ok(
      (await ctx.cookies()).some((c) => c.name === 'glimpse_token'),
      'cookie set',
    );
    const beforeState = await state();
    assert.notEqual(beforeState.settings.k, 1);

    // What reached the Glimpse server from the attacker's page, and how it was answered (seen server-side).
    const seen: { method: string; path: string; status: number; cookie: boolean }[] = [];
    const onFinish = (m: unknown) => {
      const { request, response } = m as { request: http.IncomingMessage; response: http.ServerResponse };
      if (request.socket.localPort !== server.port) return;
      const fromEvil = request.headers.origin === evilOrigin || request.headers['sec-fetch-site'] === 'same-site';
      if (!fromEvil) return;
      const cookie = (request.headers.cookie ?? '').includes(`glimpse_token=${server.token}`);
      seen.push({ method: request.method ?? '', path: request.url ?? '', status: response.statusCode, cookie });
    };
    diagnostics_channel.subscribe('http.server.response.finish', onFinish);
    let out: string[];
    const attacker = await ctx.newPage();
    try {
      await attacker.goto(`${evilOrigin}/`);
      out = (await attacker.evaluate('window.attack()')) as string[];
      await attacker.waitForTimeout(300);
    } finally {
      diagnostics_channel.unsubscribe('http.server.response.finish', onFinish);
    }

    assert.ok(!out.some((o) => /READ|OPEN|LOADED/.test(o)), out.join('\n'));
    assert.deepEqual(await state(), beforeState, 'nothing changed');
    // Every request that reached the server (fetches, preflights, form posts, events, the poster) was refused, and
    // each but the preflights carried the cookie (same site), so only the origin checks stopped it.
    const writes = seen.filter((s) => s.method === 'POST');
    assert.ok(writes.length >= 5 * 3, `too few attempts reached the server: ${JSON.stringify(seen)}\n${out.join('\n')}`);
    assert.ok(
      seen.some((s) => s.method === 'OPTIONS'),
      'a preflight was sent',
    );
    for (const s of seen) {
      assert.ok(s.status === 403 || s.status === 415, JSON.stringify(s));
      if (s.method !== 'OPTIONS') assert.ok(s.cookie, `the cookie went along: ${JSON.stringify(s)}`); // preflights never carry it
    }
    console.log(
      `csrf: ${out.length} attempts by the page at ${evilOrigin}; ${seen.length} requests reached the server ` +
        `(${writes.length} POST, ${seen.filter((s) => s.method === 'OPTIONS').length} preflights), all refused ` +
        `(${seen.filter((s) => s.status === 403).length}×403, ${seen.filter((s) => s.status === 415).length}×415)`,
    );

    // The app's own page: same origin, JSON, the cookie (and the bearer token the renderer sends) → works.
    const edited = (await app.evaluate(async (videoId) => {
      const viaCookie = await fetch('./api/tags.edit', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ videoIds: [videoId], add: ['bird'] }),
      });
      const token = sessionStorage.getItem('glimpse-token') ?? '';
      const viaBearer = await fetch('./api/settings.set', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ k: 9 }),
      });
      const thumb = await fetch(`./thumb/${videoId}`);
      const events = await new Promise<string>((resolve) => {
        const es = new EventSource(`./api/events?token=${encodeURIComponent(token)}`);
        es.onopen = () => (es.close(), resolve('open'));
        es.onerror = () => (es.close(), resolve('error'));
      });
      return { cookie: viaCookie.status, bearer: viaBearer.status, thumb: thumb.status, events };
    }, ids[0])) as { cookie: number; bearer: number; thumb: number; events: string };
    assert.deepEqual(edited, { cookie: 200, bearer: 200, thumb: 200, events: 'open' });
    assert.equal((await engine.call('settings.get', {})).k, 9);
    const v = await engine.call('library.video', { id: ids[0] });
    assert.ok(v.tags.some((t) => t.tag === 'bird' && t.source === 'human'));
  } finally {
    await ctx.close();
  }
});
