/** IPC: one generic, validated channel over the shared API map (GitHub Desktop style), plus the folder picker. */
import { dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { z } from 'zod';
import { isChannel, type EngineEvent } from '../../shared/api.ts';
import type { Engine } from '../engine/engine.ts';
import { toApiError } from '../engine/errors.ts';
import { isTrustedSender } from './security.ts';

export const IPC = { call: 'glimpse:call', event: 'glimpse:event', pickFolder: 'glimpse:pick-folder' } as const;

const Envelope = z.tuple([z.string().max(64), z.unknown()]);

export function registerIpc(engine: Engine, win: BrowserWindow, appEntryUrl: string, devServerUrl?: string): () => void {
  const checkSender = (e: IpcMainInvokeEvent) => {
    if (!isTrustedSender(e.senderFrame?.url, appEntryUrl, devServerUrl)) throw new Error('IPC from an untrusted frame');
  };
  ipcMain.handle(IPC.call, async (e, ...args: unknown[]) => {
    checkSender(e);
    const [channel, request] = Envelope.parse(args);
    if (!isChannel(channel)) return { ok: false, error: { error: `unknown channel ${channel}`, code: 'not_found' } };
    try {
      return { ok: true, value: await engine.call(channel, request) }; // engine.call validates `request` with zod
    } catch (err) {
      return { ok: false, error: toApiError(err) };
    }
  });
  ipcMain.handle(IPC.pickFolder, async (e) => {
    checkSender(e);
    const r = await dialog.showOpenDialog(win, { properties: ['openDirectory'] });
    return r.canceled ? null : r.filePaths[0] ?? null;
  });
  const forward = (ev: EngineEvent) => { if (!win.isDestroyed()) win.webContents.send(IPC.event, ev); };
  engine.events.on('event', forward);
  return () => {
    ipcMain.removeHandler(IPC.call);
    ipcMain.removeHandler(IPC.pickFolder);
    engine.events.off('event', forward);
  };
}
