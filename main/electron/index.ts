/**
 * The Electron face: a hardened window, the glimpse:// protocol for thumbnails, and IPC to the engine.
 * Everything else is the same engine the CLI and the browser mode use.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, net, protocol, session, shell } from 'electron';
import { defaultDbPath } from '../core/paths.ts';
import { Engine } from '../engine/engine.ts';
import { registerIpc } from './ipc.ts';
import { ELECTRON_CSP, isAllowedExternalUrl, secureWebPreferences } from './security.ts';

app.setName('Glimpse');
protocol.registerSchemesAsPrivileged([{ scheme: 'glimpse', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);

let engine: Engine | null = null;

async function createWindow(): Promise<void> {
  engine = new Engine({ dbPath: process.env.GLIMPSE_DB ?? defaultDbPath() });
  const e = engine;

  protocol.handle('glimpse', (req) => {
    const url = new URL(req.url);
    const id = Number(url.pathname.replace(/^\//, ''));
    const file = url.hostname === 'thumb' && Number.isInteger(id) ? e.thumbnailPath(id) : null;
    return file ? net.fetch(pathToFileURL(file).toString()) : new Response('not found', { status: 404 });
  });

  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [ELECTRON_CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));

  const win = new BrowserWindow({
    width: 1280, height: 860, show: false, title: 'Glimpse', backgroundColor: '#111418',
    webPreferences: secureWebPreferences(path.join(import.meta.dirname, '../preload/preload.cjs')),
  });
  const entry = path.join(import.meta.dirname, '../renderer/index.html');
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  const unregister = registerIpc(e, win, pathToFileURL(entry).toString(), devUrl);

  win.webContents.on('will-navigate', (ev) => ev.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) {
      void dialog.showMessageBox(win, { type: 'question', buttons: ['Open', 'Cancel'], message: `Open ${url} in your browser?` })
        .then((r) => { if (r.response === 0) void shell.openExternal(url); });
    }
    return { action: 'deny' };
  });
  win.on('closed', unregister);
  win.once('ready-to-show', () => win.show());
  await (devUrl ? win.loadURL(devUrl) : win.loadFile(entry));
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (ev) => ev.preventDefault());
});
app.whenReady().then(createWindow).catch((err) => { console.error(err); app.quit(); });
app.on('window-all-closed', () => { void engine?.close().finally(() => app.quit()); });
