// API fuzzing over HTTP: every channel of shared/api.ts (taken from the channel map itself, so a new channel is
// fuzzed too) gets a few hundred malformed bodies — wrong types, huge strings, NUL characters, deep nesting, extra
// and prototype keys, negative/huge/fractional numbers, invalid JSON, wrong content types — and bad URLs are sent
// to every route. Never a 500: always a 4xx with a JSON error and its code.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Requests, type Channel } from '../../shared/api.ts';
import { Engine } from '../../main/engine/engine.ts';
import { startServer, type ServerHandle } from '../../main/server/server.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { seed } from '../server/seed.ts';

const dir = tempDir();
const root = path.join(dir, 'lib');
const db = path.join(dir, 'lib.db');
let engine: Engine;
let server: ServerHandle;
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/**
 * Channels a body the schema accepts may still be sent to: they only read. A fuzzed body that happens to be valid
 * for any other channel (scan, train, addRoot, prune, cache.clear...) is not sent, so the fuzzing changes nothing.
 */
const READ_ONLY = new Set<Channel>([
  'library.roots',
  'library.videos',
  'library.video',
  'library.tags',
  'jobs.list',
  'jobs.cancel',
  'jobs.pause',
  'jobs.resume',
  'library.errors',
  'library.watchStatus',
  'library.search',
  'tags.export',
  'settings.get',
  'cache.info',
  'compare.summary',
  'models.info',
  'review.queue',
]);

before(async () => {
  fs.mkdirSync(root, { recursive: true });
  engine = new Engine({ dbPath: db });
  await engine.call('library.addRoot', { path: root, scan: false });
  const r = fs.realpathSync(root);
  for (const f of ['a.mp4', 'b.mp4']) fs.writeFileSync(path.join(r, f), 'x');
  seed(db, r, [
    { path: path.join(r, 'a.mp4'), tags: [['dog', 0.9]] },
    { path: path.join(r, 'b.mp4'), tags: [['person', 0.6, 'human']] },
  ]);
  server = await startServer(engine, { port: 0 });
});

after(async () => {
  agent.destroy();
  await server?.close();
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: string;
}

function request(method: string, pathname: string, headers: Record<string, string>, body?: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method, path: pathname, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`timeout: ${method} ${pathname.slice(0, 80)}`)));
    req.on('error', reject);
    req.end(body);
  });
}

const bearer = () => ({ Authorization: `Bearer ${server.token}` });
const cookie = () => ({ Cookie: `glimpse_token=${server.token}` });
const JSON_TYPE = { 'Content-Type': 'application/json' };

/** A small deterministic PRNG, so a failure names a body that can be reproduced. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function deep(depth: number, leaf: unknown, asArray: boolean): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

/** Values no field of any schema expects in that place, or only at its limits. */
const BAD: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  -0.5,
  1.5,
  -1e308,
  1e308,
  2 ** 53 + 2,
  '',
  ' ',
  'x'.repeat(5000),
  'y'.repeat(200_000),
  'a\u0000b',
  '\u0000',
  '/tmp/\u0000/x',
  '../../../../etc/passwd',
  '%00',
  '\ud800',
  '🙂'.repeat(300),
  [],
  [null],
  [-1, 0, 1.5],
  ['\u0000'],
  Array.from({ length: 2000 }, (_, i) => i + 1),
  {},
  { nested: { x: 1 } },
  deep(60, 1, false),
  deep(60, 'x', true),
];

function randomValue(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * (depth > 3 ? 6 : 9));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return Math.floor((r() - 0.5) * 10 ** Math.floor(r() * 12));
    case 3:
      return (r() - 0.5) * 1e6;
    case 4: {
      const chars = ['a', ' ', '\u0000', '"', '\\', '/', '..', '%', '*', ':', '-', 'OR', '(', ')', 'é', '\u202e', '\n'];
      return Array.from({ length: Math.floor(r() * 40) }, () => chars[Math.floor(r() * chars.length)]).join('');
    }
    case 5:
      return BAD[Math.floor(r() * BAD.length)];
    case 6:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 4); i > 0; i--)
        o[['a', 'id', 'q', 'path', 'k', '__proto__', 'constructor'][Math.floor(r() * 7)]] = randomValue(r, depth + 1);
      return o;
    }
  }
}

/** Malformed JSON bodies, sent as they are. */
const RAW: string[] = [
  '{',
  '}',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  'NaN',
  '{"k":NaN}',
  '{"k":Infinity}',
  '{"k":-Infinity}',
  'undefined',
  '\u0000',
  '{"q":"\u0000"}',
  '['.repeat(100_000),
  '['.repeat(5000) + ']'.repeat(5000),
  '{"a":'.repeat(3000) + '1' + '}'.repeat(3000),
  '"' + 'z'.repeat(900_000) + '"',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '1e999999',
  '\ufeff{}',
];

interface Tally {
  sent: number;
  skippedValid: number;
  byStatus: Record<number, number>;
}

/** Checks one answer: never 5xx; an error always JSON with a message and a known code. */
function check(a: Answer, what: string, tally: Tally): void {
  tally.sent++;
  tally.byStatus[a.status] = (tally.byStatus[a.status] ?? 0) + 1;
  assert.ok(a.status < 500, `${what} → ${a.status} ${a.body.slice(0, 300)}`);
  if (a.status >= 400) {
    let e: { error?: unknown; code?: unknown };
    try {
      e = JSON.parse(a.body);
    } catch {
      assert.fail(`${what} → ${a.status}, not JSON: ${a.body.slice(0, 200)}`);
    }
    assert.equal(typeof e.error, 'string', what);
    assert.ok(['invalid', 'not_found', 'forbidden'].includes(e.code as string), `${what} → code ${String(e.code)}`);
  } else JSON.parse(a.body);
}

/** Runs `jobs` with at most `n` at a time. */
async function pool<T>(items: T[], n: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await run(items[next++]);
    }),
  );
}

test('every channel answers malformed bodies with a JSON 4xx, never a 500', { timeout: 300_000 }, async () => {
  // Programmatic: the channel list and each request's fields come from the schemas themselves.
  const channels = Object.keys(Requests) as Channel[];
  assert.ok(channels.length >= 25);
  const tally: Tally = { sent: 0, skippedValid: 0, byStatus: {} };
  const perChannel: Record<string, number> = {};
  const before = JSON.stringify([
    await engine.call('settings.get', {}),
    await engine.call('library.roots', {}),
    await engine.call('library.tags', {}),
  ]);

  for (const [ci, channel] of channels.entries()) {
    const schema = Requests[channel];
    const fields = Object.keys((schema as unknown as { shape: Record<string, unknown> }).shape);
    const r = rng(1000 + ci);
    const bodies: unknown[] = [...BAD]; // the whole body of a wrong type
    for (const field of [...fields, 'extra', '__proto__']) for (const v of BAD) bodies.push({ [field]: v });
    for (const field of fields)
      for (const v of BAD.slice(0, 12)) bodies.push({ ...Object.fromEntries(fields.map((f) => [f, v])), [field]: v, extra: 1 });
    for (let i = 0; i < 100; i++) bodies.push(r() < 0.5 ? [randomValue(r)] : (JSON.stringify(randomValue(r)) ?? 'u')); // not an object at all
    for (let i = 0; i < 150; i++) {
      const o: Record<string, unknown> = {};
      for (const f of [...fields, 'x', 'constructor']) if (r() < 0.6) o[f] = randomValue(r);
      bodies.push(o);
    }

    const sends: { what: string; headers: Record<string, string>; body: string; expect?: number }[] = [];
    for (const [i, b] of bodies.entries()) {
      if (schema.safeParse(b).success && !READ_ONLY.has(channel)) {
        tally.skippedValid++;
        continue;
      }
      sends.push({
        what: `${channel} body #${i} ${JSON.stringify(b)?.slice(0, 120)}`,
        headers: { ...bearer(), ...JSON_TYPE },
        body: JSON.stringify(b),
      });
    }
    for (const [i, raw] of RAW.entries())
      sends.push({ what: `${channel} raw #${i} ${raw.slice(0, 40)}`, headers: { ...bearer(), ...JSON_TYPE }, body: raw });
    // Wrong content types: with the cookie as credential they are refused outright (415), whatever the body.
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonx',
      'json',
      '',
    ]) {
      sends.push({
        what: `${channel} cookie + Content-Type "${type}"`,
        headers: { ...cookie(), ...(type ? { 'Content-Type': type } : {}) },
        body: '{}',
        expect: 415,
      });
    }
    // ...and with a bearer token (curl) the body is still validated: an invalid one is a 400.
    sends.push({ what: `${channel} bearer + text/plain + invalid`, headers: { ...bearer(), 'Content-Type': 'text/plain' }, body: '{"a":' });
    sends.push({ what: `${channel} GET`, headers: bearer(), body: '' });

    const start = tally.sent;
    await pool(sends, 4, async (s) => {
      const method = s.what.endsWith(' GET') ? 'GET' : 'POST';
      const a = await request(method, `/api/${channel}`, s.headers, method === 'GET' ? undefined : s.body);
      check(a, s.what, tally);
      if (s.expect) assert.equal(a.status, s.expect, s.what);
    });
    perChannel[channel] = tally.sent - start;
  }

  // Nothing the fuzzing sent may have changed the library or the settings.
  const afterState = JSON.stringify([
    await engine.call('settings.get', {}),
    await engine.call('library.roots', {}),
    await engine.call('library.tags', {}),
  ]);
  assert.equal(afterState, before);
  const counts = Object.values(perChannel);
  console.log(
    `api-fuzz: ${tally.sent} requests over ${channels.length} channels (min ${Math.min(...counts)}, max ${Math.max(...counts)} a channel); ` +
      `${tally.skippedValid} valid bodies of writing channels not sent; statuses ${JSON.stringify(tally.byStatus)}`,
  );
  assert.ok(Math.min(...counts) >= 100, JSON.stringify(perChannel));
});

test('bad URLs, percent-encodings and very long paths are 4xx, never a 500', { timeout: 120_000 }, async () => {
  const tally: Tally = { sent: 0, skippedValid: 0, byStatus: {} };
  const paths = [
    '/%',
    '/%%',
    '/%zz',
    '/a%',
    '/%E0%A4%A',
    '/%C0%AF',
    '/%00',
    '/index.html%00',
    '/..%2f..%2fetc%2fpasswd',
    '//etc/passwd',
    '/' + 'a'.repeat(8000),
    '/' + 'a/'.repeat(3000),
    '/' + '%2e%2e/'.repeat(1000),
    '/api/%',
    '/api/%zz',
    '/api/%00',
    '/api/library.search%00',
    '/api/' + 'c'.repeat(8000),
    '/api/events%',
    '/api/events?token=%zz',
    '/api/library.search?token=%',
    '/thumb/%',
    '/thumb/%zz',
    '/thumb/1%00',
    '/thumb/' + '9'.repeat(5000),
    '/media/%',
    '/media/1%zz',
    '/frame/1/%',
    '/frame/%/%',
    '/frame/' + '1/'.repeat(2000),
  ];
  for (const p of paths) {
    for (const [method, headers, body] of [
      ['GET', bearer(), undefined],
      ['GET', cookie(), undefined],
      ['GET', {}, undefined],
      ['POST', { ...bearer(), ...JSON_TYPE }, '{}'],
      ['HEAD', bearer(), undefined],
    ] as [string, Record<string, string>, string | undefined][]) {
      if (p.startsWith('/api/events') && method === 'GET' && Object.keys(headers).length) continue; // a live stream if authorised
      const a = await request(method, p, headers, body);
      tally.sent++;
      tally.byStatus[a.status] = (tally.byStatus[a.status] ?? 0) + 1;
      assert.ok(a.status < 500, `${method} ${p.slice(0, 80)} → ${a.status} ${a.body.slice(0, 200)}`);
      if (p.startsWith('/api/') && method !== 'HEAD' && a.status >= 400) {
        const e = JSON.parse(a.body) as { error: string; code: string };
        assert.ok(e.error && e.code, `${method} ${p.slice(0, 80)}: ${a.body.slice(0, 200)}`);
      }
    }
  }
  // Past Node's header size limit the HTTP parser itself answers 431 before the server sees the request.
  const huge = await request('GET', '/' + 'a'.repeat(20_000), bearer()).catch((e: Error) => ({ status: -1, body: e.message }));
  assert.ok(huge.status === 431 || huge.status === -1, `very long path → ${huge.status}`);
  tally.sent++;
  console.log(`api-fuzz urls: ${tally.sent} requests; statuses ${JSON.stringify(tally.byStatus)}`);
});
