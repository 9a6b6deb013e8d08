// The glimpse:// protocol (thumbnails, media with ranges, keyframes) as the Electron face serves it. The handler is
// plain Request → Response, so it runs here for real; only the Electron binary (protocol.handle) is absent.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { glimpseProtocolResponse } from '../../main/electron/protocol.ts';
import { Engine } from '../../main/engine/engine.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';
import { seed } from '../server/seed.ts';

const dir = tempDir();
const root = path.join(dir, 'lib');
const outside = path.join(dir, 'secret');
let engine: Engine;
let ids: Record<string, number>;

before(async () => {
  makeVideo(path.join(root, 'clip.mp4'), { seconds: 1 });
  fs.mkdirSync(outside, { recursive: true });
  fs.writeFileSync(path.join(outside, 'passwords.txt'), 'hunter2');
  fs.symlinkSync(path.join(outside, 'passwords.txt'), path.join(root, 'sneaky.mp4'));
  const db = path.join(dir, 'lib.db');
  engine = new Engine({ dbPath: db });
  await engine.call('library.addRoot', { path: root, scan: false });
  const r = fs.realpathSync(root);
  const [clip, sneaky, traversal] = seed(db, r, [
    { path: path.join(r, 'clip.mp4') },
    { path: path.join(r, 'sneaky.mp4') },
    { path: `${r}/../secret/passwords.txt` },
  ]);
  ids = { clip, sneaky, traversal };
});
after(async () => {
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const get = (url: string, headers: Record<string, string> = {}) => glimpseProtocolResponse(engine, new Request(url, { headers }));

test('mocked Electron: glimpse://media plays with byte ranges', async () => {
  const size = fs.statSync(path.join(root, 'clip.mp4')).size;
  const full = await get(`glimpse://media/${ids.clip}`);
  assert.equal(full.status, 200);
  assert.equal(full.headers.get('content-type'), 'video/mp4');
  assert.equal(full.headers.get('accept-ranges'), 'bytes');
  const all = Buffer.from(await full.arrayBuffer());
  assert.equal(all.length, size);
  const part = await get(`glimpse://media/${ids.clip}`, { Range: 'bytes=10-109' });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 10-109/${size}`);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), all.subarray(10, 110));
  assert.equal((await get(`glimpse://media/${ids.clip}`, { Range: `bytes=${size + 5}-` })).status, 416);
});

test('mocked Electron: glimpse://media cannot escape the library roots (.., symlinks, encoded paths)', async () => {
  const check = async (url: string, want: number[]) => {
    const r = await get(url);
    const body = await r.text();
    assert.ok(!body.includes('hunter2') && !body.includes('root:x:0'), `${url} leaked`);
    assert.ok(want.includes(r.status), `${url} → ${r.status}`);
  };
  await check(`glimpse://media/${ids.sneaky}`, [403]);
  await check(`glimpse://media/${ids.traversal}`, [403]);
  await check('glimpse://media/999999', [404]);
  for (const u of [
    'glimpse://media/..%2F..%2Fetc%2Fpasswd',
    'glimpse://media/../../etc/passwd',
    `glimpse://media/${ids.clip}%2F..%2Fsecret`,
    'glimpse://media/%2e%2e/%2e%2e/etc/passwd',
    'glimpse://media/-1',
    'glimpse://frame/1/..%2F..',
    'glimpse://file/etc/passwd',
    `glimpse://media/${ids.clip}%00.mp4`,
    'file:///etc/passwd',
  ]) {
    await check(u, [400, 404]);
  }
  assert.equal(
    (await glimpseProtocolResponse(engine, new Request(`glimpse://media/${ids.clip}`, { method: 'POST', body: 'x' }))).status,
    405,
  );
});

test('mocked Electron: thumbnails and frames are 404 until a scan wrote them', async () => {
  assert.equal((await get(`glimpse://thumb/${ids.clip}`)).status, 404);
  assert.equal((await get(`glimpse://frame/${ids.clip}/0`)).status, 404);
});
