// Server hardening: only this server's own origin may use the cookie (Origin, Sec-Fetch-Site, JSON bodies, refused
// preflights), bad URLs and NUL characters are 400s (never 500s), labels are read without blocking the server's
// thread (a FIFO is refused), and a poster is only served for a video whose file really lies inside a root.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { Engine } from '../../main/engine/engine.ts';
import { startServer, type ServerHandle } from '../../main/server/server.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { seed } from './seed.ts';

const dir = tempDir();
const root = path.join(dir, 'lib');
const outside = path.join(dir, 'secret');
const db = path.join(dir, 'lib.db');
let engine: Engine;
let server: ServerHandle;
let ids: { inside: number; sneaky: number; gone: number };

before(async () => {
  fs.mkdirSync(root, { recursive: true });
  fs.mkdirSync(outside, { recursive: true });
  fs.writeFileSync(path.join(root, 'inside.mp4'), 'not really a video');
  fs.writeFileSync(path.join(outside, 'private.mp4'), 'private');
  fs.symlinkSync(path.join(outside, 'private.mp4'), path.join(root, 'sneaky.mp4'));
  engine = new Engine({ dbPath: db });
  await engine.call('library.addRoot', { path: root, scan: false });
  const r = fs.realpathSync(root);
  const [inside, sneaky, gone] = seed(db, r, [
    { path: path.join(r, 'inside.mp4'), tags: [['dog', 0.9]] },
    { path: path.join(r, 'sneaky.mp4') },
    { path: path.join(r, 'gone.mp4') },
  ]);
  ids = { inside, sneaky, gone };
  // Posters as a scan writes them, one per video.
  fs.mkdirSync(engine.media.thumbsDir, { recursive: true });
  const d = new Database(db);
  for (const [name, id] of Object.entries(ids)) {
    const thumb = path.join(engine.media.thumbsDir, `${id}.jpg`);
    fs.writeFileSync(thumb, `poster of ${name}`);
    d.prepare('UPDATE videos SET thumbnail = ? WHERE id = ?').run(thumb, id);
  }
  d.close();
  server = await startServer(engine, { port: 0 });
});

after(async () => {
  await server?.close();
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const own = () => `http://127.0.0.1:${server.port}`;
const cookie = () => ({ Cookie: `glimpse_token=${server.token}` });
const bearer = () => ({ Authorization: `Bearer ${server.token}` });

function raw(
  method: string,
  pathname: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method, path: pathname, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const k = async () => (await engine.call('settings.get', {})).k;

test('a write from another origin is refused whatever the headers; the own origin and curl still work', async () => {
  const before = await k();
  const json = { 'Content-Type': 'application/json' };
  const attempts: [string, Record<string, string>][] = [
    ['foreign Origin', { ...cookie(), ...json, Origin: 'http://127.0.0.1:1' }],
    ['foreign Origin, other host name', { ...cookie(), ...json, Origin: 'http://localhost:1' }],
    ['opaque Origin', { ...cookie(), ...json, Origin: 'null' }],
    ['Sec-Fetch-Site same-site', { ...cookie(), ...json, 'Sec-Fetch-Site': 'same-site' }],
    ['Sec-Fetch-Site cross-site', { ...cookie(), ...json, 'Sec-Fetch-Site': 'cross-site' }],
    ['text/plain with the cookie', { ...cookie(), 'Content-Type': 'text/plain' }],
    ['form with the cookie', { ...cookie(), 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['no Content-Type with the cookie', { ...cookie() }],
    ['bearer but foreign Origin', { ...bearer(), ...json, Origin: 'http://127.0.0.1:1' }],
  ];
  for (const [what, headers] of attempts) {
    const r = await raw('POST', '/api/settings.set', headers, JSON.stringify({ k: before + 1 }));
    assert.ok(r.status === 403 || r.status === 415, `${what}: ${r.status}`);
    assert.equal(r.headers['access-control-allow-origin'], undefined);
    assert.ok(JSON.parse(r.body).code, what);
  }
  assert.equal((await raw('POST', '/api/settings.set', { ...cookie(), 'Content-Type': 'text/plain' }, '{}')).status, 415);
  assert.equal(await k(), before, 'nothing changed');

  const pre = await raw('OPTIONS', '/api/settings.set', {
    Origin: 'http://127.0.0.1:1',
    'Access-Control-Request-Method': 'POST',
    'Access-Control-Request-Headers': 'content-type',
  });
  assert.equal(pre.status, 403);
  assert.ok(!Object.keys(pre.headers).some((h) => h.startsWith('access-control-')), JSON.stringify(pre.headers));

  // The app's own page (same origin, JSON, cookie or bearer) and curl (no Origin, bearer) keep working.
  const same = await raw('POST', '/api/settings.set', { ...cookie(), ...json, Origin: own(), 'Sec-Fetch-Site': 'same-origin' }, '{"k":7}');
  assert.equal(same.status, 200, same.body);
  assert.equal(await k(), 7);
  const viaLocalhost = await raw('POST', '/api/settings.get', { ...bearer(), ...json, Origin: `http://localhost:${server.port}` }, '{}');
  assert.equal(viaLocalhost.status, 200);
  const curl = await raw(
    'POST',
    '/api/settings.set',
    { ...bearer(), 'Content-Type': 'application/x-www-form-urlencoded' },
    `{"k":${before}}`,
  );
  assert.equal(curl.status, 200, 'curl -d with a bearer token');
  assert.equal(await k(), before);
});

test('events, posters, media and frames are refused to another origin and marked same-origin only', async () => {
  for (const p of ['/api/events', `/thumb/${ids.inside}`, `/media/${ids.inside}`, `/frame/${ids.inside}/0`]) {
    for (const h of [{ 'Sec-Fetch-Site': 'same-site' }, { 'Sec-Fetch-Site': 'cross-site' }, { Origin: 'http://127.0.0.1:1' }] as Record<
      string,
      string
    >[]) {
      const r = await raw('GET', p, { ...cookie(), ...h });
      assert.equal(r.status, 403, `${p} ${JSON.stringify(h)}`);
      assert.equal(r.headers['access-control-allow-origin'], undefined);
    }
  }
  const thumb = await raw('GET', `/thumb/${ids.inside}`, { ...cookie(), 'Sec-Fetch-Site': 'same-origin' });
  assert.equal(thumb.status, 200);
  assert.equal(thumb.body, 'poster of inside');
  assert.equal(thumb.headers['cross-origin-resource-policy'], 'same-origin');
  const media = await raw('GET', `/media/${ids.inside}`, { ...bearer() });
  assert.equal(media.status, 200);
  assert.equal(media.headers['cross-origin-resource-policy'], 'same-origin');
});

test('a poster is served only for a video whose file lies inside a root (symlinks resolved)', async () => {
  assert.equal(engine.media.thumbnailPath(ids.sneaky), null);
  const r = await raw('GET', `/thumb/${ids.sneaky}`, bearer());
  assert.equal(r.status, 404);
  assert.ok(!r.body.includes('poster'));
  assert.ok(engine.media.thumbnailPath(ids.inside));
  assert.ok(engine.media.thumbnailPath(ids.gone), 'a vanished file inside the root keeps its poster');
  assert.equal((await raw('GET', `/thumb/${ids.gone}`, bearer())).status, 200);
  assert.equal((await raw('GET', '/thumb/abc', bearer())).status, 404);
});

test('bad percent-encoding, NUL characters and odd request targets are 400s with a message', async () => {
  for (const p of ['/%', '/%zz', '/a%', '/%E0%A4%A']) {
    const r = await raw('GET', p);
    assert.equal(r.status, 400, p);
    assert.match(r.body, /percent-encoding/);
  }
  assert.equal((await raw('GET', '/index.html%00.js')).status, 400);
  assert.equal((await raw('POST', '/api/%zz', { ...bearer(), 'Content-Type': 'application/json' }, '{}')).status, 404);
  const post = (channel: string, body: unknown) =>
    raw('POST', `/api/${channel}`, { ...bearer(), 'Content-Type': 'application/json' }, JSON.stringify(body));
  for (const [channel, body] of [
    ['library.search', { q: 'dog\u0000' }],
    ['library.search', { folder: `${root}\u0000` }],
    ['library.videos', { query: '\u0000' }],
    ['library.addRoot', { path: '/tmp\u0000/x', scan: false }],
    ['library.removeRoot', { path: '\u0000' }],
    ['labels.import', { csvPath: '/tmp/a\u0000.csv' }],
    ['tags.edit', { videoIds: [ids.inside], add: ['a\u0000b'] }],
    ['tags.rename', { from: 'dog', to: 'c\u0000t' }],
    ['jobs.cancel', { id: '\u0000' }],
  ] as const) {
    const r = await post(channel, body);
    assert.equal(r.status, 400, `${channel} ${r.body}`);
    const e = JSON.parse(r.body) as { error: string; code: string };
    assert.equal(e.code, 'invalid');
    assert.match(e.error, /NUL/);
  }
  await assert.rejects(engine.call('library.search', { q: 'a\u0000' }), /NUL/, 'every face: the schema refuses it');
  const big = await raw('POST', '/api/library.search', { ...bearer(), 'Content-Type': 'application/json' }, ' '.repeat(2 << 20));
  assert.equal(big.status, 413);
});

test('labels.import refuses a FIFO and a huge file without blocking the server', async (t) => {
  const fifo = path.join(dir, 'labels.fifo');
  try {
    execFileSync('mkfifo', [fifo]);
  } catch {
    t.skip('mkfifo is not available');
    return;
  }
  const post = (body: unknown) =>
    raw('POST', '/api/labels.import', { ...bearer(), 'Content-Type': 'application/json' }, JSON.stringify(body));
  const pending = post({ csvPath: fifo });
  // The server keeps answering meanwhile (a blocked event loop would answer nothing until the FIFO had a writer).
  assert.equal((await post({ csvPath: path.join(dir, 'nope.csv') })).status, 404);
  const r = await pending;
  assert.equal(r.status, 400, r.body);
  assert.equal(JSON.parse(r.body).error, `not a regular file: ${fifo}`);
  assert.match(JSON.parse((await post({ csvPath: dir })).body).error, /not a regular file/);
  const huge = path.join(dir, 'huge.csv');
  fs.writeFileSync(huge, 'file,tags\n');
  fs.truncateSync(huge, 51 * 1024 * 1024); // sparse: costs no disk
  const h = await post({ csvPath: huge });
  assert.equal(h.status, 400);
  assert.match(JSON.parse(h.body).error, /larger than 50 MB/);
  const csv = path.join(root, 'labels.csv');
  fs.writeFileSync(csv, 'file,tags\ninside.mp4,dog;cat\n');
  const ok = await post({ csvPath: csv });
  assert.equal(ok.status, 200, ok.body);
  assert.equal(JSON.parse(ok.body).matched, 1);
});
