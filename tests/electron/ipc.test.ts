// The IPC call path of the Electron face with a mocked Electron event: sender check, envelope validation (zod),
// request validation by the engine, readable errors; plus the window.open policy with mocked dialog and shell.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeCallHandler, makeSenderCheck, NoArgs, UntrustedSenderError } from '../../main/electron/ipc-handler.ts';
import { isTrustedSender, windowOpenPolicy } from '../../main/electron/security.ts';
import { Engine } from '../../main/engine/engine.ts';
import { tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
const entry = 'file:///opt/Glimpse/resources/app/out/renderer/index.html';
let engine: Engine;
let handler: ReturnType<typeof makeCallHandler>;

before(() => {
  engine = new Engine({ dbPath: path.join(dir, 'lib.db') });
  handler = makeCallHandler(
    engine,
    makeSenderCheck((url) => isTrustedSender(url, entry)),
  );
});
after(async () => {
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const app = { senderFrame: { url: `${entry}#/library` } };

test('mocked Electron: IPC answers the app page and validates every argument', async () => {
  assert.deepEqual(await handler(app, 'library.roots', {}), { ok: true, value: [] });
  // wrong request shape → the channel's zod schema refuses it, with a readable message
  const bad = await handler(app, 'library.search', { limit: 'lots' });
  assert.equal(bad.ok, false);
  assert.match(!bad.ok ? bad.error.error : '', /invalid request: limit/);
  assert.equal(!bad.ok && bad.error.code, 'invalid');
  // unknown or prototype-ish channels, wrong arity, non-string channels
  for (const args of [
    ['__proto__', {}],
    ['constructor', {}],
    ['fs.readFile', {}],
    [42, {}],
    [],
    ['library.roots'],
    ['library.roots', {}, 'extra'],
    ['x'.repeat(65), {}],
  ]) {
    const r = await handler(app, ...args);
    assert.equal(r.ok, false, JSON.stringify(args));
  }
  // a path outside anything, made to look like a root: the engine answers with not_found, not a crash
  const r = await handler(app, 'library.addRoot', { path: '/no/such/../folder', scan: false });
  assert.equal(!r.ok && r.error.code, 'not_found');
  assert.deepEqual(NoArgs.safeParse([]).success, true);
  assert.deepEqual(NoArgs.safeParse(['/etc']).success, false);
});

test('mocked Electron: IPC from any other frame is refused before the engine sees it', async () => {
  for (const senderFrame of [{ url: 'https://evil.example/' }, { url: 'file:///tmp/evil.html' }, null, undefined]) {
    await assert.rejects(handler({ senderFrame }, 'library.roots', {}), UntrustedSenderError);
  }
});

test('mocked Electron: window.open is always denied; http(s) opens in the OS browser only after confirmation', async () => {
  const opened: string[] = [];
  const open = async (u: string) => {
    opened.push(u);
  };
  const yes = async () => true,
    no = async () => false;
  let asked = 0;
  const counting = async () => {
    asked++;
    return true;
  };
  assert.equal(windowOpenPolicy('https://github.com/', no, open).action, 'deny');
  assert.equal(await windowOpenPolicy('https://github.com/', no, open).opened, false);
  assert.deepEqual(opened, []);
  assert.equal(await windowOpenPolicy('https://github.com/', yes, open).opened, true);
  assert.deepEqual(opened, ['https://github.com/']);
  for (const u of ['file:///etc/passwd', 'javascript:alert(1)', 'glimpse://media/1', 'smb://host/share', 'not a url']) {
    assert.equal(await windowOpenPolicy(u, counting, open).opened, false, u);
  }
  assert.equal(asked, 0, 'non-http(s) URLs are not even offered');
  assert.equal(opened.length, 1);
});
