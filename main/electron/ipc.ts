/** IPC: one generic, validated channel over the shared API map (GitHub Desktop style), plus the folder picker. */
import { dialog, ipcMain, type BrowserWindow } from 'electron';
import type { EngineEvent } from '../../shared/api.ts';
import type { EventEmitter } from 'node:events';
import { makeCallHandler, makeSenderCheck, NoArgs, type EngineLike } from './ipc-handler.ts';
import { isTrustedSender } from './security.ts';

export const IPC = { call: 'glimpse:call', event: 'glimpse:event', pickFolder: 'glimpse:pick-folder' } as const;

/** The engine host's client in the app (main/host/host-client.ts); the in-process Engine has the same shape. */
export interface EngineWithEvents extends EngineLike {
  events: EventEmitter<{ event: [EngineEvent] }>;
}

export function registerIpc(engine: EngineWithEvents, win: BrowserWindow, appEntryUrl: string, devServerUrl?: string): () => void {
  const checkSender = makeSenderCheck((url) => isTrustedSender(url, appEntryUrl, devServerUrl));
  ipcMain.handle(IPC.call, makeCallHandler(engine, checkSender));
  ipcMain.handle(IPC.pickFolder, async (e, ...args: unknown[]) => {
    checkSender(e);
    NoArgs.parse(args);
    const r = await dialog.showOpenDialog(win, { properties: ['openDirectory'] });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
  const forward = (ev: EngineEvent) => {
    if (!win.isDestroyed()) win.webContents.send(IPC.event, ev);
  };
  engine.events.on('event', forward);
  return () => {
    ipcMain.removeHandler(IPC.call);
    ipcMain.removeHandler(IPC.pickFolder);
    engine.events.off('event', forward);
  };
}
