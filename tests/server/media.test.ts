// Browser-mode server security: token, Host check, loopback bind, and the media route that only serves files
// inside library roots (with range requests), whatever the URL or the database says.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Engine } from '../../main/engine/engine.ts';
import { startServer, type ServerHandle } from '../../main/server/server.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';
import { seed } from './seed.ts';

const dir = tempDir();
const root = path.join(dir, 'lib');
const outside = path.join(dir, 'secret');
let engine: Engine;
let server: ServerHandle;
let ids: Record<string, number>;

before(async () => {
  makeVideo(path.join(root, 'clip one.mp4'), { seconds: 1 });
  fs.mkdirSync(outside, { recursive: true });
  fs.writeFileSync(path.join(outside, 'passwords.txt'), 'hunter2');
  fs.symlinkSync(path.join(outside, 'passwords.txt'), path.join(root, 'sneaky.mp4'));
  fs.symlinkSync(outside, path.join(root, 'linked-dir'));
  const db = path.join(dir, 'lib.db');
  engine = new Engine({ dbPath: db });
  await engine.call('library.addRoot', { path: root, scan: false });
  const [clip, sneaky, viaDir, traversal, missing] = seed(db, fs.realpathSync(root), [
    { path: path.join(fs.realpathSync(root), 'clip one.mp4') },
    { path: path.join(fs.realpathSync(root), 'sneaky.mp4') },
    { path: path.join(fs.realpathSync(root), 'linked-dir', 'passwords.txt') },
    { path: `${fs.realpathSync(root)}/../secret/passwords.txt` },
    { path: path.join(fs.realpathSync(root), 'gone.mp4') },
  ]);
  ids = { clip, sneaky, viaDir, traversal, missing };
  server = await startServer(engine, { port: 0 });
});

after(async () => {
  await server?.close();
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const origin = () => `http://127.0.0.1:${server.port}`;
const auth = () => ({ Authorization: `Bearer ${server.token}` });

/** Raw request: lets a test send any path (no URL normalisation) and any Host header. */
function raw(
  pathname: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: pathname, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('binds to loopback and every API, media and frame route needs the token', async () => {
  assert.equal(new URL(server.url).hostname, '127.0.0.1');
  for (const p of [`/media/${ids.clip}`, `/frame/${ids.clip}/0`, `/thumb/${ids.clip}`]) {
    assert.equal((await raw(p)).status, 401, p);
    assert.equal((await raw(p, { Authorization: 'Bearer wrong' })).status, 401, p);
    assert.equal((await raw(`${p}?token=${'x'.repeat(server.token.length)}`)).status, 401, p);
  }
  assert.equal((await fetch(`${origin()}/api/library.search`, { method: 'POST', body: '{}' })).status, 401);
  assert.equal((await fetch(`${origin()}/api/library.search`, { method: 'POST', body: '{}', headers: auth() })).status, 200);
});

test('a foreign Host header is refused (DNS rebinding)', async () => {
  const r = await raw(`/media/${ids.clip}`, { ...auth(), Host: 'evil.example:80' });
  assert.equal(r.status, 403);
  assert.equal((await raw('/', { Host: 'attacker.test' })).status, 403);
});

test('the HTML carries a strict CSP', async () => {
  const r = await raw('/');
  assert.equal(r.status, 200);
  const csp = String(r.headers['content-security-policy']);
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /object-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
});

test('media supports range requests', async () => {
  const size = fs.statSync(path.join(root, 'clip one.mp4')).size;
  const full = await raw(`/media/${ids.clip}`, auth());
  assert.equal(full.status, 200);
  assert.equal(full.headers['content-type'], 'video/mp4');
  assert.equal(full.headers['accept-ranges'], 'bytes');
  assert.equal(full.body.length, size);
  const part = await raw(`/media/${ids.clip}`, { ...auth(), Range: 'bytes=10-109' });
  assert.equal(part.status, 206);
  assert.equal(part.headers['content-range'], `bytes 10-109/${size}`);
  assert.equal(part.body.length, 100);
  assert.deepEqual(part.body, full.body.subarray(10, 110));
  const suffix = await raw(`/media/${ids.clip}`, { ...auth(), Range: 'bytes=-50' });
  assert.equal(suffix.status, 206);
  assert.deepEqual(suffix.body, full.body.subarray(size - 50));
  assert.equal((await raw(`/media/${ids.clip}`, { ...auth(), Range: `bytes=${size + 10}-` })).status, 416);
  assert.equal((await raw(`/media/${ids.clip}`, { ...auth(), Range: 'bytes=abc' })).status, 416);
});

test('media cannot escape the library roots: .., encoded paths, symlinks', async () => {
  const leaks = async (p: string) => {
    const r = await raw(p, auth());
    assert.ok(!r.body.toString().includes('hunter2'), `${p} leaked the secret`);
    assert.ok(!r.body.toString().includes('root:x:0'), `${p} leaked /etc/passwd`);
    return r.status;
  };
  assert.equal(await leaks(`/media/${ids.sneaky}`), 403, 'symlinked file pointing outside');
  assert.equal(await leaks(`/media/${ids.viaDir}`), 403, 'file under a symlinked folder pointing outside');
  assert.equal(await leaks(`/media/${ids.traversal}`), 403, 'a stored path with ..');
  assert.equal(await leaks(`/media/${ids.missing}`), 404);
  assert.equal(await leaks('/media/999999'), 404);
  for (const p of [
    '/media/..%2F..%2F..%2Fetc%2Fpasswd',
    '/media/../../../etc/passwd',
    `/media/${ids.clip}%2F..%2F..%2Fsecret`,
    `/media/${ids.clip}/../../secret/passwords.txt`,
    '/media/%2e%2e/%2e%2e/etc/passwd',
    '/media/-1',
    '/media/1e3',
    '/media/0x1',
    '/..%2f..%2f..%2fetc%2fpasswd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/frame/1/..%2F..',
    `/media/${ids.clip}%00.mp4`,
  ]) {
    const status = await leaks(p);
    assert.ok(status === 404 || status === 400 || status === 401, `${p} → ${status}`);
  }
});

test('removing the root makes its media unreachable', async () => {
  await engine.call('library.removeRoot', { path: root });
  assert.equal((await raw(`/media/${ids.clip}`, auth())).status, 404); // rows cascade with their root
});
