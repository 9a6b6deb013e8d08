/**
 * The Electron face: a hardened window, the glimpse:// protocol for thumbnails, and IPC to the engine.
 * The engine itself (SQLite, the job queue, ffmpeg, the CNN workers) runs in its own utilityProcess, so nothing it
 * does can stall this process or the window; this side only forwards messages (main/host/host-client.ts).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, protocol, session, shell } from 'electron';
import { defaultDbPath } from '../core/paths.ts';
import { preloadScript, rendererDir } from '../core/resources.ts';
import { EngineHostClient } from '../host/host-client.ts';
import { forkUtilityHost } from './host-launcher.ts';
import { registerIpc } from './ipc.ts';
import { glimpseProtocolResponse } from './protocol.ts';
import { ELECTRON_CSP, secureWebPreferences, windowOpenPolicy } from './security.ts';

app.setName('Glimpse');
protocol.registerSchemesAsPrivileged([
  { scheme: 'glimpse', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

let engine: EngineHostClient | null = null;

async function createWindow(): Promise<void> {
  // Library folders are watched while the app runs (in the host); roots that cannot be watched are rescanned periodically.
  engine = new EngineHostClient({
    launch: forkUtilityHost,
    init: { dbPath: process.env.GLIMPSE_DB ?? defaultDbPath(), watch: true },
    onLog: (m) => console.warn(`glimpse: ${m}`),
  });
  const e = engine;
  await e.start();

  // Thumbnails, playback (byte ranges) and keyframes; media only from inside library roots (the host checks, see protocol.ts).
  protocol.handle('glimpse', (req) => glimpseProtocolResponse(e, req));

  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [ELECTRON_CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));

  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    show: false,
    title: 'Glimpse',
    backgroundColor: '#111418',
    webPreferences: secureWebPreferences(preloadScript()),
  });
  const entry = path.join(rendererDir(), 'index.html');
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  const unregister = registerIpc(e, win, pathToFileURL(entry).toString(), devUrl);

  win.webContents.on('will-navigate', (ev) => ev.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => ({
    action: windowOpenPolicy(
      url,
      async (u) =>
        (
          await dialog.showMessageBox(win, {
            type: 'question',
            buttons: ['Open', 'Cancel'],
            defaultId: 1,
            cancelId: 1,
            message: `Open ${u} in your browser?`,
          })
        ).response === 0,
      (u) => shell.openExternal(u),
    ).action,
  }));
  win.on('closed', unregister);
  win.once('ready-to-show', () => win.show());
  await (devUrl ? win.loadURL(devUrl) : win.loadFile(entry));
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (ev) => ev.preventDefault());
  // Every window, not only the main one: no navigation away from the app, no new windows.
  contents.on('will-navigate', (ev) => ev.preventDefault());
  contents.on('will-redirect', (ev) => ev.preventDefault());
});
app
  .whenReady()
  .then(createWindow)
  .catch((err) => {
    // The engine could not open (e.g. a damaged database): say so in a window, not only on a console nobody sees.
    console.error(err);
    dialog.showErrorBox('Glimpse could not start', (err as Error).message);
    app.quit();
  });
app.on('window-all-closed', () => {
  void engine?.close().finally(() => app.quit());
});
