/**
 * The renderer's only door into the app: three functions, no Node, no ipcRenderer. Built as CommonJS because
 * sandboxed preloads cannot be ES modules.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const IPC = { call: 'glimpse:call', event: 'glimpse:event', pickFolder: 'glimpse:pick-folder' } as const;

type Reply = { ok: true; value: unknown } | { ok: false; error: { error: string; code: string } };

contextBridge.exposeInMainWorld('glimpse', {
  async call(channel: string, request: unknown): Promise<unknown> {
    const reply = (await ipcRenderer.invoke(IPC.call, String(channel), request)) as Reply;
    if (!reply.ok) throw Object.assign(new Error(reply.error.error), { code: reply.error.code });
    return reply.value;
  },
  onEvent(listener: (event: unknown) => void): () => void {
    const wrapped = (_e: IpcRendererEvent, ev: unknown) => listener(ev);
    ipcRenderer.on(IPC.event, wrapped);
    return () => {
      ipcRenderer.off(IPC.event, wrapped);
    };
  },
  pickFolder(): Promise<string | null> {
    return ipcRenderer.invoke(IPC.pickFolder) as Promise<string | null>;
  },
});
