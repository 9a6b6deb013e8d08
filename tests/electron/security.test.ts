// The Electron binary cannot run on CI machines, so these check the hardening as data and pure functions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ELECTRON_CSP, isAllowedExternalUrl, isTrustedSender, secureWebPreferences } from '../../main/electron/security.ts';

test('windows are isolated, sandboxed and without Node', () => {
  const p = secureWebPreferences('/app/preload.cjs');
  assert.equal(p.contextIsolation, true);
  assert.equal(p.sandbox, true);
  assert.equal(p.nodeIntegration, false);
  assert.equal(p.webSecurity, true);
  assert.equal(p.webviewTag, false);
});

test('the CSP allows only the app itself', () => {
  assert.match(ELECTRON_CSP, /default-src 'self'/);
  assert.match(ELECTRON_CSP, /script-src 'self'(;|$)/);
  assert.doesNotMatch(ELECTRON_CSP, /unsafe-eval/);
  assert.match(ELECTRON_CSP, /object-src 'none'/);
});

test('IPC is accepted only from the app entry page (or the configured dev server)', () => {
  const entry = 'file:///opt/Glimpse/resources/app/out/renderer/index.html';
  assert.equal(isTrustedSender(entry, entry), true);
  assert.equal(isTrustedSender('file:///tmp/evil.html', entry), false);
  assert.equal(isTrustedSender('https://example.com/', entry), false);
  assert.equal(isTrustedSender(undefined, entry), false);
  assert.equal(isTrustedSender('http://localhost:5173/', entry, 'http://localhost:5173'), true);
  assert.equal(isTrustedSender('http://localhost:5174/', entry, 'http://localhost:5173'), false);
});

test('only http(s) links may leave the app', () => {
  assert.equal(isAllowedExternalUrl('https://github.com/'), true);
  assert.equal(isAllowedExternalUrl('file:///etc/passwd'), false);
  assert.equal(isAllowedExternalUrl('javascript:alert(1)'), false);
  assert.equal(isAllowedExternalUrl('not a url'), false);
});
