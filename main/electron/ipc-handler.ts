/**
 * The IPC call handler without Electron: sender check, envelope validation (zod), then the engine, which
 * validates the request with the channel's own schema. Kept free of `electron` imports so tests can drive it
 * with a mocked event.
 */
import { z } from 'zod';
import { isChannel, type Channel } from '../../shared/api.ts';
import { toApiError } from '../engine/errors.ts';

export type IpcReply = { ok: true; value: unknown } | { ok: false; error: { error: string; code: string } };

/** The parts of Electron's IpcMainInvokeEvent the handler reads. */
export interface SenderEvent {
  senderFrame?: { url: string } | null;
}

export interface EngineLike {
  call(channel: Channel, request: unknown): Promise<unknown>;
}

/** [channel, request]: exactly two arguments, a short channel name. */
export const Envelope = z.tuple([z.string().min(1).max(64), z.unknown()]);
/** The folder picker takes no arguments at all. */
export const NoArgs = z.tuple([]);

export class UntrustedSenderError extends Error {
  constructor() {
    super('IPC from an untrusted frame');
    this.name = 'UntrustedSenderError';
  }
}

export function makeSenderCheck(isTrusted: (url: string | undefined) => boolean): (e: SenderEvent) => void {
  return (e) => {
    if (!isTrusted(e.senderFrame?.url)) throw new UntrustedSenderError();
  };
}

export function makeCallHandler(engine: EngineLike, checkSender: (e: SenderEvent) => void) {
  return async (e: SenderEvent, ...args: unknown[]): Promise<IpcReply> => {
    checkSender(e);
    const env = Envelope.safeParse(args);
    if (!env.success) return { ok: false, error: toApiError(env.error) };
    const [channel, request] = env.data;
    if (!isChannel(channel)) return { ok: false, error: { error: `unknown channel ${channel}`, code: 'not_found' } };
    try {
      return { ok: true, value: await engine.call(channel, request) }; // engine.call validates `request` with zod
    } catch (err) {
      return { ok: false, error: toApiError(err) };
    }
  };
}
