/**
 * The one message protocol between the app's main process and the engine host (its own process: an Electron
 * utilityProcess in the app, a child_process.fork under plain Node). Only plain data crosses it, so both
 * transports carry it unchanged (structured clone). The channels are exactly shared/api.ts's Requests map; the
 * glimpse:// protocol's media lookups are the only other requests, because they return file paths that only the
 * main process may open and never reach the renderer.
 */
import type { ApiError, Channel, EngineEvent } from '../../shared/api.ts';
import type { ScanSettings } from '../engine/scan-service.ts';

/** What the host needs to open the engine; sent once, as the first message, so no argv or env parsing is involved. */
export interface HostInit {
  dbPath: string;
  cacheDir?: string;
  dataDir?: string;
  modelsDir?: string;
  scan?: Partial<ScanSettings>;
  /** watch the library folders while the host runs (the app does; tests usually do not) */
  watch?: boolean;
}

/** The media lookups behind glimpse://thumb, glimpse://media and glimpse://frame. */
export type MediaOp =
  { op: 'thumbnailPath'; videoId: number } | { op: 'mediaPath'; videoId: number } | { op: 'framePath'; videoId: number; index: number };

/** Main process → host. */
export type ToHost =
  | { type: 'init'; init: HostInit }
  | { type: 'call'; id: number; channel: Channel; request: unknown }
  | { type: 'media'; id: number; media: MediaOp }
  | { type: 'shutdown' };

/** Host → main process. */
export type FromHost =
  | { type: 'ready'; pid: number }
  /** the engine could not open (damaged database, no permission): restarting would fail the same way */
  | { type: 'fatal'; error: string }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: ApiError }
  | { type: 'event'; event: EngineEvent }
  /** something the user may want to know that is no reply (a folder that cannot be watched) */
  | { type: 'log'; message: string };

/** Narrowing for messages that arrive as `unknown` from the other side. */
export function isFromHost(m: unknown): m is FromHost {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

export function isToHost(m: unknown): m is ToHost {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}
