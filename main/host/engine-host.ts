/**
 * The engine host: the process the Engine runs in, so the UI's process never waits on synchronous SQLite, a
 * probe pool or a job. It answers the protocol of ./protocol.ts and pushes every EngineEvent.
 *
 * The transport is chosen at run time, and is the only difference between the two ways it runs:
 * - in the Electron app it is a utilityProcess (`process.parentPort`, messages arrive as `{ data }`);
 * - under plain Node (tests, and any Node parent) it is a child_process.fork (`process.send` / 'message').
 */
import { isChannel, type EngineEvent } from '../../shared/api.ts';
import { Engine } from '../engine/engine.ts';
import { EngineError, toApiError } from '../engine/errors.ts';
import { isToHost, type FromHost, type HostInit, type MediaOp, type ToHost } from './protocol.ts';

interface Transport {
  send(m: FromHost): void;
  onMessage(listener: (m: unknown) => void): void;
}

/** Electron's utilityProcess child side (not available under plain Node; the type is declared here, not imported). */
interface ParentPort {
  postMessage(m: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

function transport(): Transport {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort)
    return {
      send: (m) => parentPort.postMessage(m),
      onMessage: (l) => parentPort.on('message', (e) => l(e.data)),
    };
  if (process.send)
    return {
      send: (m) => {
        // The parent may be gone (it was killed): nothing to tell then, and exiting is the right thing.
        if (process.connected) process.send!(m);
      },
      onMessage: (l) => process.on('message', l),
    };
  throw new Error('the engine host must be started by the app (utilityProcess) or with child_process.fork');
}

function media(engine: Engine, m: MediaOp): string | null | Promise<string> {
  if (m.op === 'thumbnailPath') return engine.media.thumbnailPath(m.videoId);
  if (m.op === 'mediaPath') return engine.media.mediaPath(m.videoId);
  return engine.media.framePath(m.videoId, m.index);
}

export function runHost(t: Transport = transport()): void {
  let engine: Engine | null = null;
  const reply = async (id: number, work: () => unknown) => {
    try {
      t.send({ type: 'reply', id, ok: true, result: await work() });
    } catch (e) {
      t.send({ type: 'reply', id, ok: false, error: toApiError(e) });
    }
  };

  const open = (init: HostInit) => {
    try {
      engine = new Engine({
        dbPath: init.dbPath,
        cacheDir: init.cacheDir,
        dataDir: init.dataDir,
        modelsDir: init.modelsDir,
        scan: init.scan,
        warmPool: true, // the app's engine lives as long as the app
      });
    } catch (e) {
      t.send({ type: 'fatal', error: toApiError(e).error });
      return;
    }
    engine.events.on('event', (event: EngineEvent) => t.send({ type: 'event', event }));
    if (init.watch)
      engine.libraryOps.startWatching({}, (s) =>
        t.send({ type: 'log', message: `${s.path}: ${s.reason ?? 'watching for changes again'}` }),
      );
    t.send({ type: 'ready', pid: process.pid });
  };

  t.onMessage((raw) => {
    if (!isToHost(raw)) return;
    const m: ToHost = raw;
    if (m.type === 'init') {
      if (!engine) open(m.init);
      return;
    }
    if (m.type === 'shutdown') {
      void (engine?.close() ?? Promise.resolve()).finally(() => process.exit(0));
      return;
    }
    const e = engine;
    if (!e) {
      t.send({ type: 'reply', id: m.id, ok: false, error: { error: 'the engine is not open yet', code: 'unavailable', retryable: true } });
      return;
    }
    // engine.call validates the request with the channel's zod schema; an unknown channel fails there too.
    if (m.type === 'call')
      void reply(m.id, () => {
        if (typeof m.channel !== 'string' || !isChannel(m.channel))
          throw new EngineError('not_found', `unknown channel ${String(m.channel)}`);
        return e.call(m.channel, m.request);
      });
    else if (m.type === 'media') void reply(m.id, () => media(e, m.media));
  });
  // The parent went away (the app quit or crashed): close the database cleanly instead of lingering.
  process.on('disconnect', () => void (engine?.close() ?? Promise.resolve()).finally(() => process.exit(0)));
}

runHost();
